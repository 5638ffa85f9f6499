/* gradcheck.c -- central-difference gradient checker. See gradcheck.h. */
#include "gradcheck.h"

#include <math.h>
#include <stdio.h>

/* The worst relative error so far, and where. */
typedef struct {
    double worst, analytic, numeric;
    size_t at;
} Score;

/* Score one entry; 0 when it is finite, -1 (said) when either side is not. */
static int score(Score *s, const char *label, size_t n, size_t i, double analytic, double numeric, double plus,
                 double minus) {
    if (!isfinite(analytic) || !isfinite(numeric)) {
        /* no running maximum can hold a NaN: stop at the first one */
        printf("GRADCHECK %-28s n=%-6zu non-finite at [%zu]: analytic %.6g numeric %.6g (loss %.6g / %.6g)\n",
               label, n, i, analytic, numeric, plus, minus);
        return -1;
    }
    double scale = fmax(fmax(fabs(analytic), fabs(numeric)), GRADCHECK_FLOOR);
    double err = fabs(analytic - numeric) / scale;
    if (err > s->worst) *s = (Score){ err, analytic, numeric, i };
    return 0;
}

static double report(const Score *s, const char *label, size_t n) {
    if (n > 0)
        printf("GRADCHECK %-28s n=%-6zu max rel err=%.2e (at [%zu]: analytic %.6g numeric %.6g)\n",
               label, n, s->worst, s->at, s->analytic, s->numeric);
    return s->worst;
}

double gradcheck(const char *label, LossFn loss, void *ctx,
                 float *x, const float *grad, size_t n, float eps) {
    Score s = { 0 };
    for (size_t i = 0; i < n; i++) {
        float saved = x[i];
        x[i] = saved + eps;
        double plus = loss(ctx);
        x[i] = saved - eps;
        double minus = loss(ctx);
        x[i] = saved;
        /* Divide by the step actually taken: saved +- eps rounds in float. */
        double h = (double)(saved + eps) - (double)(saved - eps);
        if (score(&s, label, n, i, grad[i], (plus - minus) / h, plus, minus)) return INFINITY;
    }
    return report(&s, label, n);
}

double gradcheck_double(const char *label, LossFn loss, void *ctx,
                        double *x, const double *grad, size_t n, double eps) {
    Score s = { 0 };
    for (size_t i = 0; i < n; i++) {
        double saved = x[i];
        x[i] = saved + eps;
        double plus = loss(ctx);
        x[i] = saved - eps;
        double minus = loss(ctx);
        x[i] = saved;
        double h = (saved + eps) - (saved - eps);
        if (score(&s, label, n, i, grad[i], (plus - minus) / h, plus, minus)) return INFINITY;
    }
    return report(&s, label, n);
}
