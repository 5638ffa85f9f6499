/* ppo.c -- PPO's clipped losses. See ppo.h. */
#include "rlhf/ppo.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "ops.h"
#include "rlhf/advantage.h"

static float clampf(float x, float lo, float hi) { return x < lo ? lo : x > hi ? hi : x; }

double ppo_policy_loss(float *dnewlogp, const float *newlogp, const float *oldlogp, const float *adv, int n,
                       float clip, PpoStats *stats) {
    double loss = 0.0, kl = 0.0;
    int clipped = 0;
    for (int i = 0; i < n; i++) {
        float logratio = newlogp[i] - oldlogp[i], ratio = expf(logratio);
        float unclipped = -adv[i] * ratio, limited = -adv[i] * clampf(ratio, 1.0f - clip, 1.0f + clip);
        loss += unclipped > limited ? unclipped : limited;
        /* The gradient flows through the unclipped term when it is the max
         * (inside the range both are equal, and the clamp passes it on);
         * where the clipped term wins, its clamp is flat: no gradient. */
        int inside = ratio >= 1.0f - clip && ratio <= 1.0f + clip;
        if (inside || unclipped > limited) dnewlogp[i] += -adv[i] * ratio / (float)n;   /* dr/dlog pi = r */
        kl += (ratio - 1.0f) - logratio;
        clipped += fabsf(ratio - 1.0f) > clip;
    }
    stats->approx_kl += kl / n;
    stats->clip_frac += (double)clipped / n;
    return loss / n;
}

double ppo_value_loss(float *dvalue, const float *values, const float *old_values, const float *returns, int n,
                      float clip, float coef) {
    double loss = 0.0;
    for (int i = 0; i < n; i++) {
        float err = values[i] - returns[i], sq = err * err;
        int use_unclipped = 1;
        if (clip > 0.0f) {
            float delta = values[i] - old_values[i];
            float err_c = old_values[i] + clampf(delta, -clip, clip) - returns[i], sq_c = err_c * err_c;
            int inside = delta >= -clip && delta <= clip;   /* then both terms are equal */
            if (sq_c > sq) sq = sq_c;
            use_unclipped = inside || err * err >= err_c * err_c;
        }
        loss += 0.5 * sq;
        if (use_unclipped) dvalue[i] += coef * err / (float)n;   /* d(0.5 err^2)/dV = err */
    }
    return loss / n;
}

double ppo_approx_kl(const float *newlogp, const float *oldlogp, int n) {
    double kl = 0.0;
    for (int i = 0; i < n; i++) {
        float logratio = newlogp[i] - oldlogp[i];
        kl += (expf(logratio) - 1.0f) - logratio;
    }
    return kl / n;
}

PpoStats ppo_loss(float *dlogp, float *dvalue, const float *logp, const float *values, const int *actions, int A,
                  const float *old_logp, const float *adv, const float *returns, const float *old_values, int n,
                  const PpoConfig *cfg, float *work) {
    float *newlogp = work, *dnewlogp = work + n, *nadv = work + 2 * (size_t)n, *ent = work + 3 * (size_t)n;
    PpoStats st = {0};
    for (int i = 0; i < n; i++) newlogp[i] = logp[(size_t)i * A + actions[i]];
    memcpy(nadv, adv, (size_t)n * sizeof(float));
    if (cfg->norm_adv) rl_normalise(nadv, n, 1e-8f);
    memset(dnewlogp, 0, (size_t)n * sizeof(float));
    st.pg_loss = ppo_policy_loss(dnewlogp, newlogp, old_logp, nadv, n, cfg->clip, &st);
    for (int i = 0; i < n; i++) dlogp[(size_t)i * A + actions[i]] += dnewlogp[i];
    if (values)
        st.v_loss = ppo_value_loss(dvalue, values, old_values, returns, n, cfg->clip_vloss ? cfg->clip : 0.0f,
                                   cfg->vf_coef);
    /* the entropy bonus: d(-ent_coef * mean H)/dH_i = -ent_coef / n */
    entropy_forward(ent, logp, n, A);
    double h = 0.0;
    for (int i = 0; i < n; i++) h += ent[i];
    st.entropy = h / n;
    for (int i = 0; i < n; i++) ent[i] = -cfg->ent_coef / (float)n;
    entropy_backward(dlogp, ent, logp, n, A);
    st.loss = st.pg_loss - cfg->ent_coef * st.entropy + cfg->vf_coef * st.v_loss;
    return st;
}
