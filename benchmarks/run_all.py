"""Run the benchmark cases and print one table of results.

Each case compares a hand-written torch loop, torchkeras and Keras 3 (on
its torch backend, when installed) in this one process, single-threaded.
Times are medians of interleaved repetitions after a warm-up; see
docs/benchmarks.md for what each case measures.

Cases:
  1  fit, MLP 32-64-10 on 20,000 samples, batch 64, Adam, accuracy
  2  fit, ConvNet on 8x8x1 images, batch 64
  3  fit, LSTM(32) over 50 steps, batch 64 (skipped until layers.LSTM exists)
  4  predict, MLP on 100,000 samples, batch 1,024
  5  forward call of a small Sequential on a batch of 64
  6  evaluate with AUC and Precision metrics
  7  import time of torchkeras on top of torch
  8  RSS (and CUDA memory) after each of 50 epochs of fit

Run:  python benchmarks/run_all.py [--repeats 5] [--quick] [--cases 1,2]
      [--jit-compile] [--fused-adam]
"""

from __future__ import annotations

import argparse
import sys
import time

from _harness import KERAS
from _harness import LOOP
from _harness import TORCHKERAS
from _harness import CaseResult
from _harness import Settings
from _harness import set_single_thread

ALL_CASES = ("1", "2", "3", "4", "5", "6", "7", "8")
# Largest torchkeras/loop ratio each timed case aims for.
RATIO_TARGETS = {"1": 1.05, "2": 1.05, "3": 1.10, "5": 1.3, "6": 1.05}
# Cases where Keras 3 must also take at least this many times torchkeras's time.
KERAS_SPEEDUP_TARGETS = {"1": 4.0, "2": 4.0, "6": 4.0}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.splitlines()[7:17]),
    )

    parser.add_argument(
        "--repeats",
        type=int,
        default=None,
        help="timed repetitions per runner, after one warm-up (default 5, "
        "1 with --quick)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smaller data, fewer epochs and one repetition: checks that the "
        "cases run, the figures are not for reporting",
    )
    parser.add_argument(
        "--cases",
        default=",".join(ALL_CASES),
        help="comma-separated case numbers to run (default: all)",
    )
    parser.add_argument(
        "--clock",
        choices=("cpu", "wall"),
        default=None,
        help="time with this process's CPU time (default without CUDA: "
        "other processes on the machine then cost nothing) or the wall "
        "clock (default with CUDA)",
    )
    parser.add_argument(
        "--fused-adam",
        action="store_true",
        help="the fit loops of cases 1-3 step torch.optim.Adam(fused=True) "
        "instead of foreach=True",
    )
    parser.add_argument(
        "--jit-compile",
        action="store_true",
        help="also run cases 1 and 2 with torch.compile "
        "(compile(jit_compile=True) for torchkeras and Keras 3)",
    )
    args = parser.parse_args(argv)

    cases = [case.strip() for case in args.cases.split(",") if case.strip()]
    unknown = [case for case in cases if case not in ALL_CASES]
    if unknown:
        parser.error(
            f"unknown case(s) {', '.join(unknown)}; choose from "
            f"{','.join(ALL_CASES)}"
        )
    args.cases = cases

    if args.repeats is None:
        args.repeats = 1 if args.quick else 5
    if args.repeats < 1:
        parser.error(f"--repeats must be at least 1, got {args.repeats}")
    return args


def _case_functions(jit_compile: bool) -> dict:
    """Map each case number to the functions that run it."""
    import fit_cases
    import import_time
    import inference_cases
    import memory_growth

    fit_mlp = [fit_cases.run_mlp_fit]
    fit_convnet = [fit_cases.run_convnet_fit]
    if jit_compile:
        fit_mlp.append(lambda s: fit_cases.run_mlp_fit(s, jit_compile=True))
        fit_convnet.append(
            lambda s: fit_cases.run_convnet_fit(s, jit_compile=True)
        )
    return {
        "1": fit_mlp,
        "2": fit_convnet,
        "3": [fit_cases.run_lstm_fit],
        "4": [inference_cases.run_predict],
        "5": [inference_cases.run_forward_call],
        "6": [inference_cases.run_evaluate],
        "7": [import_time.run_import_time],
        "8": [memory_growth.run_memory_growth],
    }


def _apply_ratio_target(result: CaseResult) -> None:
    """Judge a row against its loop target and, if any, its Keras target.

    The jit_compile rows (1j, 2j) have no target of their own: they show
    what compiling changes next to rows 1 and 2.
    """
    if result.case.endswith("j"):
        result.target = "none (compare with eager)"
        return
    target = RATIO_TARGETS.get(result.case)
    ratio = result.ratio(TORCHKERAS)
    if target is None or ratio is None:
        return
    missed = [] if ratio <= target else ["loop"]
    speedup = KERAS_SPEEDUP_TARGETS.get(result.case)
    if speedup is not None:
        result.target += f", keras >= {speedup:g}x tk"
        keras_ratio = result.ratio(KERAS)
        if keras_ratio is not None and keras_ratio / ratio < speedup:
            missed.append("keras")
        elif keras_ratio is not None:
            result.notes.append(
                f"Keras 3 takes {keras_ratio / ratio:.1f}x torchkeras's time."
            )
    result.verdict = "met" if not missed else "missed: " + ", ".join(missed)


def _format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "s":
        return f"{value:.3f}"
    if unit == "MiB":
        return f"{value:+.2f}"
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def _format_ratio(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio:.2f}x"


def format_table(results: list[CaseResult]) -> str:
    """Return the results as a Markdown table followed by notes."""
    header = (
        "| case | benchmark | unit | torch loop | torchkeras | keras 3 "
        "| tk/loop | keras/loop | target | verdict |"
    )
    lines = [header, "|" + "---|" * 10]
    notes = []
    for result in results:
        if result.skipped:
            lines.append(
                f"| {result.case} | {result.title} | {result.unit} "
                "| - | skipped | - | - | - "
                f"| {result.target} | skipped |"
            )
            notes.append(f"case {result.case}: skipped: {result.skipped}")
            continue
        has_loop = LOOP in result.values
        loop = result.values.get(LOOP)
        cells = [
            result.case,
            result.title,
            result.unit,
            _format_value(loop, result.unit) if has_loop else "-",
            _format_value(result.values.get(TORCHKERAS), result.unit),
            _format_value(result.values.get(KERAS), result.unit),
            _format_ratio(None if result.unit == "MiB" else result.ratio(TORCHKERAS)),
            _format_ratio(None if result.unit == "MiB" else result.ratio(KERAS)),
            result.target,
            result.verdict,
        ]
        lines.append("| " + " | ".join(cells) + " |")
        notes.extend(f"case {result.case}: {note}" for note in result.notes)
    return "\n".join(lines + [""] + notes)


def main(argv=None) -> int:
    args = parse_args(argv)
    set_single_thread()
    import torch

    import torchkeras

    clock = args.clock or ("wall" if torch.cuda.is_available() else "cpu")
    settings = Settings(
        repeats=args.repeats,
        quick=args.quick,
        jit_compile=args.jit_compile,
        fused_adam=args.fused_adam,
        clock=clock,
    )
    functions = _case_functions(args.jit_compile)
    results = []
    for case in args.cases:
        for run_case in functions[case]:
            start = time.perf_counter()
            result = run_case(settings)
            _apply_ratio_target(result)
            results.append(result)
            elapsed = time.perf_counter() - start
            print(
                f"case {result.case} done in {elapsed:.0f} s",
                file=sys.stderr,
                flush=True,
            )

    print(
        f"torch {torch.__version__}, torchkeras {torchkeras.__version__}, "
        f"threads {torch.get_num_threads()}, repeats {settings.repeats}, "
        f"{settings.clock} clock"
        + (", quick" if settings.quick else "")
    )
    print(format_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
