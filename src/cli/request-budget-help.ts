/** What `--help` says of the Binance request-weight budget (`quantum run`, `quantum data download`). */
export const REQUEST_BUDGET_HELP =
  "REDIS_URL: when set, the Binance request-weight budget (the minute's weight, 429/418 pauses) is kept in Redis and\n" +
  "shared by every quantum process using the same API key (keys named by a hash of it); otherwise it is this process's own.";
