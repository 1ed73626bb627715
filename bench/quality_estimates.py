"""Leave-out error of the score estimates (calculator.quality): grid over rank and shrinkage, and the result.

Run: ``python bench/quality_estimates.py``. Prints, for each (rank, shrink), the root mean square and mean
absolute error of 10-fold leave-out predictions of the measured scores [points on 0-100], the baseline of
predicting each benchmark's mean, and for the shipped setting the counts of measured and estimated cells.
"""

from __future__ import annotations

import numpy as np

import calculator.quality as quality
from calculator.catalog import load_catalog
from calculator.quality import MIN_SCORES_FOR_RANK, leave_out_residuals, normalised_score, score_matrix


def _errors(res: np.ndarray) -> tuple[float, float, int]:
    r = res[np.isfinite(res)]
    return float(np.sqrt(np.mean(r**2))), float(np.mean(np.abs(r))), int(r.size)


def main() -> None:
    catalog = load_catalog()
    m = score_matrix(catalog)
    benches = {b.id: b for b in catalog.benchmarks}
    x = np.where(m.measured, m.values, np.nan)
    shipped = (quality.RANK, quality.SHRINK, MIN_SCORES_FOR_RANK)
    print("rank shrink min_scores_for_rank  rmse_points  mae_points  cells")
    for rank in (1, 2, 3):
        for shrink in (0.0, 0.5, 1.0, 2.0):
            for k in (0, 4, 6, 8):
                quality.RANK, quality.SHRINK = rank, shrink
                rmse, mae, n = _errors(leave_out_residuals(x, min_scores_for_rank=k))
                mark = "  <- shipped" if (rank, shrink, k) == shipped else ""
                print(f"{rank:>4} {shrink:>6.1f} {k:>19}  {rmse:>11.2f}  {mae:>10.2f}  {n:>5}{mark}")
    quality.RANK, quality.SHRINK = shipped[0], shipped[1]
    # Baseline: each withheld cell predicted by its benchmark's mean over the other measured cells.
    col_mean_res = np.full_like(x, np.nan)
    for i, j in np.argwhere(m.measured):
        col = np.delete(x[:, j], i)
        col_mean_res[i, j] = np.nanmean(col) - x[i, j]
    rmse, mae, n = _errors(col_mean_res)
    print(f"benchmark-mean baseline (leave-one-out): rmse {rmse:.2f}, mae {mae:.2f} points over {n} cells")
    filled = np.isfinite(m.values)
    print(f"shipped fit: rmse {m.leave_out_rmse:.2f}, mae {m.leave_out_mae:.2f} points; "
          f"{int(m.measured.sum())} measured cells, {int((filled & ~m.measured).sum())} estimated, "
          f"{int((~filled).sum())} empty ({int((~filled.any(axis=1)).sum())} models without any score)")
    print("per benchmark: id  measured  leave-out rmse [points]  chance [0-100]")
    for j, bid in enumerate(m.benchmark_ids):
        r = m.leave_out_residuals[:, j]
        r = r[np.isfinite(r)]
        rm = float(np.sqrt(np.mean(r**2))) if r.size else float("nan")
        chance = normalised_score(benches[bid].chance_value, benches[bid])
        print(f"  {bid:<20} {int(m.measured[:, j].sum()):>3}  {rm:6.1f}  {chance:5.1f}")
    print("no score at all:", ", ".join(mid for k, mid in enumerate(m.model_ids) if not filled[k].any()))


if __name__ == "__main__":
    main()
