"""The untimed warm-up before timed end-to-end runs: JVM start, JIT, imports."""

from __future__ import annotations

from bench import baseline, platform_path
from bench.context import WARM_UP_ROWS, Context, log


def warm_up(ctx: Context) -> None:
    """One untimed run of both end-to-end paths on tiny data (once per benchmark session)."""
    if ctx._warm or ctx.args.no_warmup:
        return
    ctx._warm = True
    demo = ctx.demo(WARM_UP_ROWS, 2)
    log("warm-up: platform and baseline on tiny data (untimed)")
    platform_path.fresh_run(ctx, demo)
    baseline.fresh_run(ctx, demo)
