/* gradcheck.c -- central-difference gradient checker. See gradcheck.h. */
#include "gradcheck.h"

#include <math.h>
#include <stdio.h>

double gradcheck(const char *label, LossFn loss, void *ctx,
                 float *x, const float *grad, size_t n, float eps) {
    double worst = 0.0;
    size_t worst_i = 0;
    double worst_num = 0.0;
    for (size_t i = 0; i < n; i++) {
        float saved = x[i];
        x[i] = saved + eps;
        double plus = loss(ctx);
        x[i] = saved - eps;
        double minus = loss(ctx);
        x[i] = saved;
        /* Divide by the step actually taken: saved +- eps rounds in float. */
        double h = (double)(saved + eps) - (double)(saved - eps);
        double numeric = (plus - minus) / h;
        double analytic = grad[i];
        double scale = fmax(fmax(fabs(analytic), fabs(numeric)), GRADCHECK_FLOOR);
        double err = fabs(analytic - numeric) / scale;
        if (!isfinite(analytic) || !isfinite(numeric)) {
            /* no running maximum can hold a NaN: stop at the first one */
            printf("GRADCHECK %-28s n=%-6zu non-finite at [%zu]: analytic %.6g numeric %.6g (loss %.6g / %.6g)\n",
                   label, n, i, analytic, numeric, plus, minus);
            return INFINITY;
        }
        if (err > worst) { worst = err; worst_i = i; worst_num = numeric; }
    }
    if (n > 0)
        printf("GRADCHECK %-28s n=%-6zu max rel err=%.2e (at [%zu]: analytic %.6g numeric %.6g)\n",
               label, n, worst, worst_i, grad[worst_i], worst_num);
    return worst;
}
