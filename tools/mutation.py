"""Mutation scores of the rule modules: mutmut 3, one module at a time against its own tests.

`make mutation` runs every module listed under [tool.mutation] in pyproject.toml; name some to run
only those (`make mutation MODULES=sources/policy.py`). Each module gets a fresh `mutants/` copy,
mutmut runs the module's own tests against each mutant, docs/mutation/<module>.json keeps the result,
and docs/mutation.md is rebuilt from every module's latest result: score, date, commit, survivors.
"""

import argparse
import dataclasses
import datetime
import fnmatch
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The latest result of each module, so that running a few modules again keeps the others' figures.
RESULTS = ROOT / "docs" / "mutation"
KILLED = {1, 3, 36, 24, -24, 152, 255}  # a failing test, pytest's internal error, or a timeout
SURVIVED = {0}
NOT_RUN = {5, 33, 34, None}  # no test reaches the line, or skipped by a pragma


def table() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutation"]


def mutant_globs(entry: dict) -> list[str]:
    """mutmut's names for the mutants of the entry's functions (all of the module's when none given)."""
    dotted = entry["module"].removesuffix(".py").replace("/", ".")
    return [f"{dotted}.{fnmatch_name(f)}__mutmut_*" for f in entry.get("functions", [])]


def fnmatch_name(function: str) -> str:
    # mutmut names a method x\u01c1Class\u01c1method and a function x_function.
    if "." in function:
        cls, method = function.split(".", 1)
        return f"x\u01c1{cls}\u01c1{method}"
    return f"x_{function}"


def prepare_database() -> dict[str, str]:
    """Migrate one SQLite file that every test run copies (see tests/conftest.py): seconds, not minutes."""
    template = ROOT / "var" / "mutation-template.sqlite3"
    template.parent.mkdir(exist_ok=True)
    for stale in template.parent.glob(template.name + "*"):  # with any journal or copy a killed run left
        stale.unlink()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CACHE_URL", "CELERY_BROKER_URL")}
    migrate_env = {**env, "DATABASE_URL": f"sqlite:///{template}", "DJANGO_SECRET_KEY": "mutation-only"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=migrate_env, check=True)
    # As `make test` runs the suite: the Makefile exports DJANGO_DEBUG=1 for local runs.
    return {**env, "MUTATION_DB_TEMPLATE": str(template), "DJANGO_DEBUG": "0"}


def run_one(entry: dict, max_children: int) -> None:
    """In a child process: point mutmut's configuration at one module and its tests, then run it."""
    from mutmut import configuration
    from mutmut.__main__ import cli

    base = configuration.config()
    configuration._config = dataclasses.replace(
        base,
        only_mutate=[entry["module"]],
        pytest_add_cli_args_test_selection=list(entry["tests"]),
    )
    args = ["run", "--max-children", str(max_children), *mutant_globs(entry)]
    cli.main(args, standalone_mode=False)


def tally(entry: dict, equivalent: dict[str, str]) -> dict:
    meta = json.loads((ROOT / "mutants" / (entry["module"] + ".meta")).read_text())
    codes = meta["exit_code_by_key"]
    globs = mutant_globs(entry)
    if globs:
        codes = {k: v for k, v in codes.items() if any(fnmatch.fnmatch(k, g) for g in globs)}
    killed = sorted(k for k, v in codes.items() if v in KILLED)
    equiv = sorted(k for k in codes if k in equivalent and k not in killed)
    survived = sorted(k for k, v in codes.items() if v not in KILLED and v not in NOT_RUN and k not in equiv)
    untested = sorted(k for k, v in codes.items() if v in NOT_RUN and k not in equiv)
    # A mutant no test reaches is a hole too: it counts against the score like a survivor.
    scored = len(killed) + len(survived) + len(untested)
    return {
        "module": entry["module"],
        "functions": entry.get("functions", []),
        "tests": entry["tests"],
        "total": len(codes),
        "killed": len(killed),
        "equivalent": equiv,
        "survived": survived,
        "untested": untested,
        "score": 100.0 * len(killed) / scored if scored else 100.0,
    }


def diff_of(name: str, module: str) -> str:
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    diff = get_diff_for_mutant(name, path=module)
    return "\n".join(
        line for line in diff.splitlines() if line[:1] in "-+" and line[:3] not in ("---", "+++")
    )


def commit_and_date() -> tuple[str, str]:
    today = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    if os.environ.get("MUTATION_COMMIT"):  # a copy of the checkout without .git, run beside it
        return os.environ["MUTATION_COMMIT"], today
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
    # The report this run rewrites module by module is not a change to what is measured.
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!docs/mutation*"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return commit + ("+changes" if dirty else ""), today


def reclassify(result: dict, equivalent: dict[str, str]) -> dict:
    """Apply the current list of equivalent mutants to a stored result: a judgement, not a test run."""
    moved = [n for n in result["survived"] + result["untested"] if n in equivalent]
    result["survived"] = [n for n in result["survived"] if n not in equivalent]
    result["untested"] = [n for n in result["untested"] if n not in equivalent]
    result["equivalent"] = sorted(set(result["equivalent"]) | set(moved))
    scored = result["killed"] + len(result["survived"]) + len(result["untested"])
    result["score"] = 100.0 * result["killed"] / scored if scored else 100.0
    return result


def write_report(entries: list[dict], equivalent: dict[str, str], path: Path) -> None:
    """docs/mutation.md from the latest result of every module (each stamped with its own run)."""
    results = []
    for entry in entries:
        stored = RESULTS / (entry["module"].replace("/", ".") + ".json")
        if stored.exists():
            results.append(reclassify(json.loads(stored.read_text()), equivalent))
    out = [
        "# Mutation scores",
        "",
        "Measured by `make mutation` (mutmut 3 through tools/mutation.py, SQLite, one module at a time",
        "against the tests listed for it in pyproject.toml).",
        "Score = killed / (killed + survived + untested); equivalent mutants, listed below with the reason",
        "no caller can see the difference, are left out.",
        "",
        "What mutmut cannot reach, so no test here can kill:",
        "",
        "- decorated functions are never mutated (mutmut 3 skips them): the feed view's `get`, which",
        "  cuts the page, and `@transaction.atomic` services; tests pin their boundaries by hand;",
        "- code that runs only at import runs in mutmut's parent before any mutant is switched on, so its",
        "  mutants survive whatever the tests check: schema.py's `_columns` (the claim, hop and stop",
        "  column lists); they count as survivors below. The serializer fields schema.py builds from",
        "  the models are built at first use and cached; in mutation runs tests/conftest.py clears that",
        "  cache before each test, so they are built, and measured, with the mutant on (a serializer",
        "  made at import keeps the fields it first built: the claim list's, which the OpenAPI document",
        "  reads, so tests check the read shape on a fresh serializer);",
        "- PostgreSQL-only branches (dispatch's SKIP LOCKED batch) do not run on SQLite, and differences",
        "  only PostgreSQL shows: schema.py's `model_fields` 45-48 would give a hop position the 64-bit",
        "  maximum instead of PostgreSQL's 32767; on SQLite every integer column's range is 64 bits.",
        "",
        "Seconds are wall-clock time on this machine with `--max-children` workers; load is the 5-minute",
        "load average when the module finished, or its mean and range sampled during the run (other jobs",
        "shared the cores when it is above the worker count; `?`: not recorded).",
        "",
        "| module | mutants | killed | survived | untested | equivalent | score | run | seconds | load "
        "| commit |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        name = r["module"] + (f" ({', '.join(r['functions'])})" if r["functions"] else "")
        out.append(
            f"| `{name}` | {r['total']} | {r['killed']} | {len(r['survived'])} | {len(r['untested'])} | "
            f"{len(r['equivalent'])} | {r['score']:.1f} % | {r['date']} | {r['seconds']} | "
            f"{r.get('load', '?')} | `{r['commit']}` |"
        )
    out += ["", "## Tests per module", ""]
    for r in results:
        out.append(f"- `{r['module']}`: {', '.join(f'`{t}`' for t in r['tests'])}")
    out += ["", "## Equivalent mutants", ""]
    for r in results:
        for name in r["equivalent"]:
            out.append(f"- `{name}`: {equivalent.get(name, r.get('reasons', {}).get(name, ''))}")
    out += ["", "## Surviving and untested mutants", ""]
    for r in results:
        for name in r["survived"] + r["untested"]:
            kind = "survived" if name in r["survived"] else "untested"
            out += [f"- `{name}` ({kind})", "", "```diff", r["diffs"].get(name, ""), "```", ""]
    path.write_text("\n".join(out).rstrip() + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help="only these modules (as listed in pyproject.toml)")
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--report", default="docs/mutation.md")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    config = table()
    entries = config["modules"]
    if args.one is not None:
        run_one(entries[args.one], args.max_children)
        return 0
    equivalent = config.get("equivalent", {})
    env = prepare_database()
    results = []
    order = args.modules or [entry["module"] for entry in entries]  # in the order asked for
    unknown = set(order) - {entry["module"] for entry in entries}
    if unknown:
        parser.error(f"not in pyproject.toml [tool.mutation]: {', '.join(sorted(unknown))}")
    run_started = datetime.datetime.now()
    for module in order:
        index = next(i for i, entry in enumerate(entries) if entry["module"] == module)
        entry = entries[index]
        shutil.rmtree(ROOT / "mutants", ignore_errors=True)
        started = datetime.datetime.now()
        stamp = commit_and_date()  # mutmut copies the tests now: the figures belong to this commit
        child = subprocess.run(
            [sys.executable, __file__, "--one", str(index), "--max-children", str(args.max_children)],
            cwd=ROOT,
            env=env,
            check=False,
        )
        if child.returncode:
            print(f"mutmut failed on {entry['module']} (exit {child.returncode})", file=sys.stderr)
            return child.returncode
        result = tally(entry, equivalent)
        result["diffs"] = {
            name: diff_of(name, entry["module"]) for name in result["survived"] + result["untested"]
        }
        result["commit"], result["date"] = stamp
        result["seconds"] = round((datetime.datetime.now() - started).total_seconds())
        result["load"] = round(os.getloadavg()[1], 1)
        result["reasons"] = {name: equivalent[name] for name in result["equivalent"]}
        results.append(result)
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / (entry["module"].replace("/", ".") + ".json")).write_text(json.dumps(result, indent=1))
        write_report(entries, equivalent, ROOT / args.report)  # after each module: readable as it goes
        print(
            f"{entry['module']}: {result['score']:.1f} % ({result['killed']} killed, "
            f"{len(result['survived'])} survived, {len(result['untested'])} untested, "
            f"{len(result['equivalent'])} equivalent) in {result['seconds']} s",
            flush=True,
        )
    print(f"\n{'module':<45} score")
    for r in results:
        print(f"{r['module']:<45} {r['score']:5.1f} %")
    whole = round((datetime.datetime.now() - run_started).total_seconds())
    load = os.getloadavg()[1]
    print(f"whole run: {whole} s, 5-minute load average now {load:.1f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
