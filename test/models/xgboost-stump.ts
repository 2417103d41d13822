// A one-split XGBoost JSON model for hand-computed tests: feature 0 < 0.1f ⇒ left leaf −0.5 + g,
// else right leaf 0.25·(g + 1) (g = class); missing follows `defaultLeft`.
export const stumpJson = (objective: string, baseScore: string, defaultLeft: 0 | 1, numClass = 0): string =>
  JSON.stringify({
    version: [1, 7, 4],
    learner: {
      feature_names: [],
      learner_model_param: { base_score: baseScore, num_class: String(numClass), num_feature: '2' },
      objective: { name: objective },
      gradient_booster: {
        name: 'gbtree',
        model: {
          tree_info: Array.from({ length: Math.max(1, numClass) }, (_, g) => g),
          trees: Array.from({ length: Math.max(1, numClass) }, (_, g) => ({
            left_children: [1, -1, -1],
            right_children: [2, -1, -1],
            split_indices: [0, 0, 0],
            split_conditions: [1.0000000149011612e-1, -0.5 + g, 0.25 * (g + 1)],
            default_left: [defaultLeft, 0, 0],
            split_type: [0, 0, 0],
            tree_param: { num_nodes: '3', size_leaf_vector: '0' },
          })),
        },
      },
    },
  });
