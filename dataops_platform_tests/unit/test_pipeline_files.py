"""The CI pipeline files run the delivery stages the `dataops` CLI has, in order, and nothing else.

`.github/workflows/ci.yml` (GitHub Actions) and `.gitlab-ci.yml` (GitLab) are read with PyYAML and
checked job by job: each job runs `bash scripts/setup.sh` and then exactly one
`.venv/bin/dataops ci <stage> ...`, whose stage is one of `STAGES` and whose arguments parse with
the real `dataops` parser; every stage is called; validate runs before test before build before
deploy before monitor; production deploys are manual and from `main` only; the test job has its
PostgreSQL service and keeps the browser tests' screenshots (also when it fails); build and monitor
keep their files as artifacts. `check_github` and
`check_gitlab` return the problems as sentences, so the negative tests below can show that a
drifted file (a job calling `dataops ci lint`, say) is caught.
"""

from __future__ import annotations

import contextlib
import copy
import io
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from dataops_platform.cli import build_parser
from dataops_platform.cli.ci import STAGES

REPO = Path(__file__).resolve().parents[2]
GITHUB_FILE = REPO / ".github" / "workflows" / "ci.yml"
GITLAB_FILE = REPO / ".gitlab-ci.yml"
DATAOPS = ".venv/bin/dataops"  # the entry point scripts/setup.sh installs
SETUP = "scripts/setup.sh"
PG_PORT = "5432"
SCREENSHOTS = "test-artifacts/ui"  # dataops_platform_tests/support/browser.py, unless DATAOPS_TEST_ARTIFACTS is set


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


# ---------------------------------------------------------------- shell commands


@dataclass(frozen=True)
class StageCall:
    """One `dataops ci STAGE ARGS...` command of a job."""

    program: str
    stage: str
    args: tuple[str, ...]  # after `ci`, the stage included

    def option(self, name: str) -> str | None:
        """The value of `--name VALUE` or `--name=VALUE`, if given."""
        for i, arg in enumerate(self.args):
            if arg == name and i + 1 < len(self.args):
                return self.args[i + 1]
            if arg.startswith(name + "="):
                return arg.split("=", 1)[1]
        return None


SEPARATORS = {";", "&", "&&", "|", "||", "|&", "(", ")", ";;", "{", "}"}
PREFIX_WORDS = {"if", "then", "else", "elif", "do", "while", "until", "!", "time", "exec", "command"}
ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def simple_commands(script: str) -> list[list[str]]:
    """The simple commands of a shell script, as word lists (line continuations joined, comments
    dropped, split at ; && || | and parentheses). Raises ValueError for text shlex cannot split."""
    commands: list[list[str]] = []
    for line in script.replace("\r\n", "\n").replace("\\\n", " ").split("\n"):
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        current: list[str] = []
        for token in lexer:
            if token in SEPARATORS:
                commands.append(current)
                current = []
            else:
                current.append(token)
        commands.append(current)
    return [command for command in commands if command]


def command_words(command: list[str]) -> list[str]:
    """The words from the program on: leading keywords (if, then, ...) and VAR=value dropped."""
    i = 0
    while i < len(command) and (command[i] in PREFIX_WORDS or ASSIGNMENT.match(command[i])):
        i += 1
    return command[i:]


def stage_call(command: list[str]) -> StageCall | None:
    """`dataops ci ...` (any path to it) or `python -m dataops_platform.cli ci ...`, else None."""
    words = command_words(command)
    if len(words) >= 2 and Path(words[0]).name == "dataops" and words[1] == "ci":
        return StageCall(words[0], words[2] if len(words) > 2 else "", tuple(words[2:]))
    for i in range(len(words) - 2):
        if words[i] == "-m" and words[i + 1] in ("dataops_platform.cli", "dataops_platform.cli.ci"):
            rest = words[i + 2 :]
            if words[i + 1] == "dataops_platform.cli":
                if not rest or rest[0] != "ci":
                    return None
                rest = rest[1:]
            return StageCall(" ".join(words[: i + 2]), rest[0] if rest else "", tuple(rest))
    return None


def is_setup(command: list[str]) -> bool:
    words = command_words(command)
    if words and words[0] == "bash":
        words = words[1:]
    return bool(words) and (words[0] == SETUP or words[0].endswith("/" + SETUP))


def parse_problem(call: StageCall) -> str | None:
    """None when the real `dataops` parser accepts `ci ARGS`, else its complaint."""
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            build_parser().parse_args(["ci", *call.args])
    except SystemExit as exc:  # an error, or --help: either way the stage would not run
        lines = err.getvalue().strip().splitlines()
        return lines[-1] if lines else f"the parser exits ({exc.code}) instead of running the stage"
    return None


def check_job_commands(where: str, scripts: list[str]) -> tuple[StageCall | None, list[str]]:
    """The one stage call of a job whose shell scripts (in run order) are `scripts`, and the
    problems with them: no or several stage calls, an unknown stage, arguments the parser refuses,
    no `bash scripts/setup.sh` before the stage call."""
    problems: list[str] = []
    commands: list[list[str]] = []
    for script in scripts:
        try:
            commands += simple_commands(script)
        except ValueError as exc:
            problems.append(f"{where}: cannot split the shell text {script!r}: {exc}")
    calls = [(i, c) for i, c in enumerate(map(stage_call, commands)) if c]
    if len(calls) != 1:
        shown = [" ".join(commands[i]) for i, _ in calls]
        problems.append(f"{where}: runs {len(calls)} `dataops ci <stage>` commands, not exactly one: {shown}")
    if not calls:
        return None, problems
    for _, call in calls:
        if call.stage not in STAGES:
            problems.append(f"{where}: calls stage {call.stage!r}, which is not one of {STAGES}")
        if call.program != DATAOPS:
            problems.append(f"{where}: runs the CLI as {call.program!r}, not {DATAOPS} (the .venv setup.sh made)")
        complaint = parse_problem(call)
        if complaint:
            problems.append(f"{where}: `dataops ci {' '.join(call.args)}` does not parse: {complaint}")
    index, call = calls[0]
    if not any(is_setup(c) for c in commands[:index]):
        problems.append(f"{where}: does not run `bash {SETUP}` before `dataops ci {call.stage}`")
    return call, problems


def ancestors(graph: dict[str, list[str]], job: str) -> set[str]:
    seen: set[str] = set()
    todo = list(graph.get(job, []))
    while todo:
        parent = todo.pop()
        if parent not in seen:
            seen.add(parent)
            todo.extend(graph.get(parent, []))
    return seen


def check_coverage_and_order(where: str, calls: dict[str, StageCall], graph: dict[str, list[str]]) -> list[str]:
    """Every stage is called; each job runs after (transitively needs) a job of every earlier
    stage and after no job of a later one."""
    problems: list[str] = []
    called = {call.stage for call in calls.values()}
    problems += [f"{where}: no job calls `dataops ci {stage}`" for stage in STAGES if stage not in called]
    for job, call in calls.items():
        if call.stage not in STAGES:
            continue
        rank = STAGES.index(call.stage)
        before = {calls[a].stage for a in ancestors(graph, job) if a in calls}
        for stage in STAGES[:rank]:
            if stage not in before:
                problems.append(f"{where}: job {job!r} ({call.stage}) does not run after a {stage} job")
        for stage in sorted(before & set(STAGES[rank + 1 :])):
            problems.append(f"{where}: job {job!r} ({call.stage}) runs after a later stage, {stage}")
    return problems


def scan(text: str):
    """(index, char, paren depth) of the characters of `text` outside quoted strings."""
    depth, quote = 0, ""
    for i, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        else:
            depth += char == "("
            yield i, char, depth
            depth -= char == ")"


def conjuncts(expression: str) -> list[str] | None:
    """The top-level `&&` terms of a CI condition (GitHub `if:`, GitLab `rules: if:`), normalised;
    None when a top-level `||` means no term binds."""
    text = expression.strip()
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2]
    while unwrap(text) != text:
        text = unwrap(text)
    terms, start = [], 0
    for i, char, depth in scan(text):
        if depth == 0 and char in "|&" and text[i : i + 2] in ("||", "&&") and i >= start:
            if char == "|":
                return None
            terms.append(text[start:i])
            start = i + 2
    terms.append(text[start:])
    return [normalise(term) for term in terms]


def unwrap(text: str) -> str:
    """`text` without one pair of parentheses around all of it, if it has one."""
    text = text.strip()
    if not (text.startswith("(") and text.endswith(")")):
        return text
    closes = [i for i, char, depth in scan(text) if char == ")" and depth == 1]
    return text[1:-1].strip() if closes and closes[0] == len(text) - 1 else text


def normalise(term: str) -> str:
    while unwrap(term) != term.strip():
        term = unwrap(term)
    return re.sub(r"\s*(==|!=)\s*", r" \1 ", re.sub(r"\s+", " ", term.strip())).replace("'", '"')


def paths_of(value) -> list[str]:
    """A `path:` or `paths:` value (a list, or a multi-line string) as normalised paths."""
    items = value if isinstance(value, list) else str(value or "").splitlines()
    return [str(item).strip().rstrip("/") for item in items if str(item).strip()]


def covers(paths: list[str], wanted: str) -> bool:
    wanted = wanted.strip().rstrip("/")
    return any(wanted == p or wanted.startswith(p + "/") for p in paths)


# ---------------------------------------------------------------- GitHub Actions

GITHUB_MAIN = {'github.ref == "refs/heads/main"', 'github.ref_name == "main"'}
GITHUB_DISPATCH = 'github.event_name == "workflow_dispatch"'


def uses(step: dict, action: str) -> bool:
    return str(step.get("uses", "")).split("@")[0] == action


def github_needs(job: dict) -> list[str]:
    needs = job.get("needs", [])
    return [needs] if isinstance(needs, str) else list(needs)


def check_github_steps(name: str, job: dict) -> list[str]:
    """Checkout, Python 3.11, Java 17 (temurin) and the .venv cache come before setup.sh."""
    where = f"github job {name!r}"
    steps = job.get("steps", [])
    setup_at = next((i for i, s in enumerate(steps) if "run" in s and SETUP in str(s["run"])), len(steps))
    before = steps[:setup_at]
    problems = []
    if not any(uses(s, "actions/checkout") for s in before):
        problems.append(f"{where}: no actions/checkout before setup.sh")
    python = [s for s in before if uses(s, "actions/setup-python")]
    if not python or python[0].get("with", {}).get("python-version") != "3.11":
        version = python[0].get("with", {}).get("python-version") if python else None
        problems.append(f'{where}: no actions/setup-python with python-version "3.11" (a string) first: {version!r}')
    java = [s for s in before if uses(s, "actions/setup-java")]
    java_with = java[0].get("with", {}) if java else {}
    if str(java_with.get("java-version")) != "17" or java_with.get("distribution") != "temurin":
        problems.append(f"{where}: no actions/setup-java with Java 17 (temurin) before setup.sh")
    caches = [s.get("with", {}) for s in before if uses(s, "actions/cache")]
    if not any(
        covers(paths_of(c.get("path")), ".venv")
        and any("uv" in p for p in paths_of(c.get("path")))
        and re.search(r"hashFiles\([^)]*requirements\.lock[^)]*\)", str(c.get("key", "")))
        and re.search(r"hashFiles\([^)]*pyproject\.toml[^)]*\)", str(c.get("key", "")))
        for c in caches
    ):
        problems.append(
            f"{where}: no actions/cache of .venv and uv's cache keyed on requirements.lock + pyproject.toml"
        )
    return problems


def uploaded(job: dict, always: bool = False) -> list[str]:
    """The paths `job` uploads with actions/upload-artifact (with `always`: only even after a failure)."""
    return [
        p
        for s in job.get("steps", [])
        if uses(s, "actions/upload-artifact") and (not always or "always()" in str(s.get("if", "")))
        for p in paths_of(s.get("with", {}).get("path"))
    ]


def check_github(workflow: dict) -> list[str]:
    """Every problem of a parsed GitHub Actions workflow; [] when it is right."""
    problems: list[str] = []
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads the key `on` as True
    jobs = workflow.get("jobs") or {}
    if not triggers:
        problems.append("github: the workflow has no `on:` triggers")
    if not jobs:
        return problems + ["github: the workflow has no jobs"]
    calls: dict[str, StageCall] = {}
    for name, job in jobs.items():
        where = f"github job {name!r}"
        scripts = [str(step["run"]) for step in job.get("steps", []) if "run" in step]
        call, found = check_job_commands(where, scripts)
        problems += found
        if call:
            calls[name] = call
        problems += check_github_steps(name, job)
        for parent in github_needs(job):
            if parent not in jobs:
                problems.append(f"{where}: needs {parent!r}, which is not a job")
    graph = {name: github_needs(job) for name, job in jobs.items()}
    problems += check_coverage_and_order("github", calls, graph)

    for name, call in calls.items():
        job, where = jobs[name], f"github job {name!r}"
        if call.stage == "validate":
            checkouts = [s for s in job.get("steps", []) if uses(s, "actions/checkout")]
            if not checkouts or str(checkouts[0].get("with", {}).get("fetch-depth")) != "0":
                problems.append(f"{where}: checks out without `fetch-depth: 0` (the compatibility check needs main)")
        if call.stage == "test":
            problems += check_github_postgres(where, workflow, job, call)
            shots = {**(workflow.get("env") or {}), **(job.get("env") or {})}.get("DATAOPS_TEST_ARTIFACTS", SCREENSHOTS)
            if not covers(uploaded(job, always=True), shots):
                problems.append(
                    f"{where}: does not upload {shots} (screenshots) with actions/upload-artifact if: always()"
                )
        if call.stage == "build" and not covers(uploaded(job), call.option("--dist") or "dist"):
            problems.append(f"{where}: does not upload dist/ with actions/upload-artifact")
        out = call.option("--out") or "ci-artifacts/monitor"
        if call.stage == "monitor" and not covers(uploaded(job), out):
            problems.append(f"{where}: does not upload {out} with actions/upload-artifact")
        if call.stage == "deploy" and call.option("--target") == "prod":
            problems += check_github_production(where, job, call, triggers)
    if not any(c.stage == "deploy" and c.option("--target") == "prod" for c in calls.values()):
        problems.append("github: no job deploys to production (`dataops ci deploy --target prod`)")
    return problems


def check_github_postgres(where: str, workflow: dict, job: dict, call: StageCall) -> list[str]:
    services = job.get("services") or {}
    postgres = {k: s for k, s in services.items() if str((s or {}).get("image", "")).startswith("postgres")}
    if not postgres:
        return [f"{where}: has no postgres service container"]
    key, service = next(iter(postgres.items()))
    problems = []
    if (service.get("env") or {}).get("POSTGRES_HOST_AUTH_METHOD") != "trust":
        problems.append(f"{where}: the postgres service lacks POSTGRES_HOST_AUTH_METHOD=trust")
    step_env = next((s.get("env") or {} for s in job["steps"] if "run" in s and "dataops ci" in str(s["run"])), {})
    env = {**(workflow.get("env") or {}), **(job.get("env") or {}), **step_env}
    host = str(env.get("DATAOPS_TEST_PG_HOST", "127.0.0.1"))
    port = str(env.get("DATAOPS_TEST_PG_PORT", PG_PORT))
    if "container" in job:  # the job runs in a container: the service is reached by its key
        if host != key:
            problems.append(f"{where}: DATAOPS_TEST_PG_HOST is {host!r}, not the service {key!r}")
    else:  # on the runner: through the port published on localhost
        published = {str(p).split(":")[0] for p in service.get("ports", []) if ":" in str(p)}
        if host not in ("127.0.0.1", "localhost") or port not in published:
            problems.append(
                f"{where}: the tests connect to {host}:{port} but the service publishes {sorted(published)} on localhost"
            )
    return problems


def check_github_production(where: str, job: dict, call: StageCall, triggers) -> list[str]:
    problems = []
    condition = job.get("if")
    terms = conjuncts(str(condition)) if condition else None
    if not terms or not GITHUB_MAIN & set(terms):
        problems.append(f"{where}: production deploy not restricted to main (if: {condition!r})")
    environment = job.get("environment")
    environment = environment.get("name") if isinstance(environment, dict) else environment
    dispatched = (
        bool(terms) and GITHUB_DISPATCH in terms and isinstance(triggers, dict) and "workflow_dispatch" in triggers
    )
    if environment != "production" and not dispatched:
        problems.append(
            f"{where}: production deploy is not manual (no `environment: production`, no workflow_dispatch)"
        )
    if "--force" in call.args:
        problems.append(f"{where}: production deploy uses --force")
    return problems


# ---------------------------------------------------------------- GitLab CI

GITLAB_RESERVED = {
    "stages",
    "variables",
    "default",
    "workflow",
    "include",
    "image",
    "services",
    "cache",
    "before_script",
    "after_script",
}
GITLAB_MAIN = {'$CI_COMMIT_BRANCH == "main"', '$CI_COMMIT_REF_NAME == "main"'}


def gitlab_jobs(pipeline: dict) -> dict[str, dict]:
    return {
        name: job
        for name, job in pipeline.items()
        if isinstance(name, str) and name not in GITLAB_RESERVED and not name.startswith(".") and isinstance(job, dict)
    }


def flatten(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [line for item in value for line in flatten(item)]
    return [str(value)]


def inherited(pipeline: dict, job: dict, key: str):
    """A job's `key`, else `default:`'s (unless `inherit: default:` turns it off), else the
    top-level one."""
    if key in job:
        return job[key]
    inherit = (job.get("inherit") or {}).get("default", True)
    if inherit is True or (isinstance(inherit, list) and key in inherit):
        default = pipeline.get("default") or {}
        if key in default:
            return default[key]
        return pipeline.get(key)
    return None


def variable(pipeline: dict, job: dict, name: str, default: str | None = None) -> str | None:
    for scope in (job.get("variables") or {}, pipeline.get("variables") or {}):
        if name in scope:
            value = scope[name]
            return str(value.get("value", "") if isinstance(value, dict) else value)
    return default


def gitlab_needs(job: dict) -> list[str]:
    return [need if isinstance(need, str) else need.get("job", "") for need in job.get("needs") or []]


def gitlab_graph(jobs: dict[str, dict], stages: list[str]) -> dict[str, list[str]]:
    """What each job waits for: its `needs:`, or without them every job of the earlier stages."""
    rank = {stage: i for i, stage in enumerate(stages)}
    graph = {}
    for name, job in jobs.items():
        if "needs" in job:
            graph[name] = gitlab_needs(job)
        else:
            own = rank.get(job.get("stage", "test"), 0)
            graph[name] = [other for other, j in jobs.items() if rank.get(j.get("stage", "test"), 0) < own]
    return graph


def service_hosts(service) -> set[str]:
    """The host names of a GitLab service: its aliases, else the ones GitLab derives from the
    image (`postgres:15` -> postgres; `org/pg:15` -> org__pg and org-pg)."""
    aliases = str(service.get("alias") or "") if isinstance(service, dict) else ""
    hosts = {a for a in re.split(r"[,\s]+", aliases) if a}
    if not hosts:
        image = service_image(service).split("@")[0]
        path, _, last = image.rpartition("/")
        name = (path + "/" if path else "") + last.split(":")[0]
        hosts = {name.replace("/", "__"), name.replace("/", "-")}
    return hosts


def service_image(service) -> str:
    return str(service.get("name", "")) if isinstance(service, dict) else str(service)


def check_gitlab(pipeline: dict) -> list[str]:
    """Every problem of a parsed .gitlab-ci.yml; [] when it is right."""
    problems: list[str] = []
    stages = list(pipeline.get("stages") or [])
    if stages != list(STAGES):
        problems.append(f"gitlab: stages are {stages}, not {list(STAGES)}")
    jobs = gitlab_jobs(pipeline)
    if not jobs:
        return problems + ["gitlab: the pipeline has no jobs"]
    calls: dict[str, StageCall] = {}
    for name, job in jobs.items():
        where = f"gitlab job {name!r}"
        scripts = flatten(inherited(pipeline, job, "before_script")) + flatten(job.get("script"))
        scripts += flatten(inherited(pipeline, job, "after_script"))
        call, found = check_job_commands(where, scripts)
        problems += found
        if call:
            calls[name] = call
            if job.get("stage") != call.stage:
                problems.append(f"{where}: is in stage {job.get('stage')!r} but calls `dataops ci {call.stage}`")
        problems += check_gitlab_environment(where, pipeline, job)
        for parent in gitlab_needs(job):
            if parent not in jobs:
                problems.append(f"{where}: needs {parent!r}, which is not a job")
    problems += check_coverage_and_order("gitlab", calls, gitlab_graph(jobs, stages))

    for name, call in calls.items():
        job, where = jobs[name], f"gitlab job {name!r}"
        if call.stage == "validate" and variable(pipeline, job, "GIT_DEPTH") != "0":
            problems.append(f"{where}: GIT_DEPTH is not 0 (the compatibility check needs the history of main)")
        kept = paths_of((job.get("artifacts") or {}).get("paths"))
        if call.stage == "test":
            problems += check_gitlab_postgres(where, pipeline, job)
            shots = variable(pipeline, job, "DATAOPS_TEST_ARTIFACTS", SCREENSHOTS)
            if not covers(kept, shots) or (job.get("artifacts") or {}).get("when") != "always":
                problems.append(f"{where}: keeps no {shots} artifacts (screenshots) `when: always`")
        if call.stage == "build" and not covers(kept, call.option("--dist") or "dist"):
            problems.append(f"{where}: keeps no dist/ artifacts")
        out = call.option("--out") or "ci-artifacts/monitor"
        if call.stage == "monitor" and not covers(kept, out):
            problems.append(f"{where}: keeps no {out} artifacts")
        if call.stage == "deploy" and call.option("--target") == "prod":
            problems += check_gitlab_production(where, job, call)
    if not any(c.stage == "deploy" and c.option("--target") == "prod" for c in calls.values()):
        problems.append("gitlab: no job deploys to production (`dataops ci deploy --target prod`)")
    return problems


def check_gitlab_environment(where: str, pipeline: dict, job: dict) -> list[str]:
    """Python 3.11 image; the .venv and uv caches keyed on the lock file."""
    problems = []
    image = inherited(pipeline, job, "image")
    image = image.get("name") if isinstance(image, dict) else image
    if not str(image or "").startswith("python:3.11"):
        problems.append(f"{where}: image {image!r} is not a python:3.11 image")
    uv_cache = variable(pipeline, job, "UV_CACHE_DIR") or ""
    uv_local = re.sub(r"^\$\{?CI_PROJECT_DIR\}?/", "", uv_cache)
    if not uv_cache or uv_local == uv_cache:
        problems.append(f"{where}: UV_CACHE_DIR {uv_cache!r} is not under $CI_PROJECT_DIR (where cache: can keep it)")
    caches = inherited(pipeline, job, "cache") or []
    caches = caches if isinstance(caches, list) else [caches]

    def good(cache: dict) -> bool:
        key = cache.get("key")
        files = key.get("files", []) if isinstance(key, dict) else []
        paths = paths_of(cache.get("paths"))
        return "requirements.lock" in files and covers(paths, ".venv") and covers(paths, uv_local)

    if not any(isinstance(c, dict) and good(c) for c in caches):
        problems.append(f"{where}: no cache of .venv/ and {uv_local}/ keyed on requirements.lock")
    return problems


def check_gitlab_postgres(where: str, pipeline: dict, job: dict) -> list[str]:
    services = inherited(pipeline, job, "services") or []
    services = services if isinstance(services, list) else [services]
    postgres = [s for s in services if service_image(s).startswith("postgres")]
    if not postgres:
        return [f"{where}: has no postgres service"]
    service, hosts, problems = postgres[0], service_hosts(postgres[0]), []
    service_vars = (service.get("variables") or {}) if isinstance(service, dict) else {}
    trust = service_vars.get("POSTGRES_HOST_AUTH_METHOD", variable(pipeline, job, "POSTGRES_HOST_AUTH_METHOD"))
    if trust != "trust":
        problems.append(f"{where}: the postgres service lacks POSTGRES_HOST_AUTH_METHOD=trust")
    host = variable(pipeline, job, "DATAOPS_TEST_PG_HOST", "127.0.0.1")
    if host not in hosts:
        problems.append(
            f"{where}: DATAOPS_TEST_PG_HOST is {host!r}, but the postgres service is reached as {sorted(hosts)}"
        )
    return problems


def check_gitlab_production(where: str, job: dict, call: StageCall) -> list[str]:
    problems = []
    if "only" in job or "except" in job or ("when" in job and "rules" not in job):
        problems.append(f"{where}: production deploy must be gated with `rules:` (not only/except/when)")
    rules = job.get("rules") or []
    if not rules:
        problems.append(f"{where}: production deploy has no rules (it would run on every branch)")
    manual = False
    for rule in rules:
        when = rule.get("when", "on_success")
        if when == "never":
            continue
        terms = conjuncts(str(rule.get("if", ""))) if rule.get("if") else None
        if not terms or not GITLAB_MAIN & set(terms):
            problems.append(f"{where}: rule {rule} lets production deploy run outside main")
        if when != "manual":
            problems.append(f"{where}: rule {rule} deploys to production without `when: manual`")
        manual = manual or when == "manual"
    if rules and not manual:
        problems.append(f"{where}: production deploy is never manual")
    if "--force" in call.args:
        problems.append(f"{where}: production deploy uses --force")
    return problems


# ---------------------------------------------------------------- tests


def test_every_stage_parses_in_the_real_dataops_parser():
    for stage in STAGES:
        args = ["ci", stage, *(["--target", "dev"] if stage == "deploy" else [])]
        build_parser().parse_args(args)  # SystemExit (a failure) when the stage is not registered
    assert STAGES == ("validate", "test", "build", "deploy", "monitor")


def test_the_github_workflow_runs_the_stages_in_order():
    assert check_github(load(GITHUB_FILE)) == []


def test_the_gitlab_pipeline_runs_the_stages_in_order():
    assert check_gitlab(load(GITLAB_FILE)) == []


def test_shell_commands_are_split_like_a_shell():
    script = "echo start  # note\n.venv/bin/dataops ci deploy \\\n  --target dev && echo 'dataops ci lint'\n"
    assert simple_commands(script) == [
        ["echo", "start"],
        [".venv/bin/dataops", "ci", "deploy", "--target", "dev"],
        ["echo", "dataops ci lint"],
    ]
    calls = [c for c in map(stage_call, simple_commands(script)) if c]
    assert calls == [StageCall(".venv/bin/dataops", "deploy", ("deploy", "--target", "dev"))]
    assert calls[0].option("--target") == "dev"
    assert conjuncts("${{ github.ref == 'refs/heads/main' && (a || b) }}") == [
        'github.ref == "refs/heads/main"',
        "a || b",
    ]
    assert conjuncts("(github.ref == 'refs/heads/main') && (x)") == ['github.ref == "refs/heads/main"', "x"]
    assert conjuncts("github.ref == 'refs/heads/main' || true") is None


def github_job(workflow: dict, stage: str) -> dict:
    """The (first) job of `workflow` whose run steps call `stage`."""
    for job in workflow["jobs"].values():
        if any(f"dataops ci {stage}" in str(step.get("run", "")) for step in job["steps"]):
            return job
    raise AssertionError(f"no github job calls {stage}")


def github_prod_job(workflow: dict) -> dict:
    for job in workflow["jobs"].values():
        if any("--target prod" in str(step.get("run", "")) for step in job["steps"]):
            return job
    raise AssertionError("no github production deploy job")


def set_github_command(workflow: dict, stage: str, command: str) -> None:
    for step in github_job(workflow, stage)["steps"]:
        if f"dataops ci {stage}" in str(step.get("run", "")):
            step["run"] = str(step["run"]).replace(f".venv/bin/dataops ci {stage}", command)


def drop_steps(job: dict, predicate) -> None:
    job["steps"] = [step for step in job["steps"] if not predicate(step)]


GITHUB_DRIFTS = {
    "a job calling a stage that does not exist": (
        lambda w: set_github_command(w, "validate", ".venv/bin/dataops ci lint"),
        "calls stage 'lint'",
    ),
    "arguments the parser refuses": (
        lambda w: set_github_command(w, "build", ".venv/bin/dataops ci build --no-such-flag"),
        "does not parse",
    ),
    "two stages in one job": (
        lambda w: set_github_command(w, "test", ".venv/bin/dataops ci test && .venv/bin/dataops ci build"),
        "not exactly one",
    ),
    "no setup.sh first": (
        lambda w: drop_steps(github_job(w, "test"), lambda s: SETUP in str(s.get("run", ""))),
        "does not run `bash scripts/setup.sh`",
    ),
    "build not after test": (
        lambda w: github_job(w, "build").update(needs="validate"),
        "does not run after a test job",
    ),
    "a stage nobody calls": (lambda w: w["jobs"].pop("monitor"), "no job calls `dataops ci monitor`"),
    "production from any branch": (
        lambda w: github_prod_job(w).update({"if": "github.ref == 'refs/heads/main' || github.event_name == 'push'"}),
        "not restricted to main",
    ),
    "production automatic": (
        lambda w: github_prod_job(w).update({"if": "github.ref == 'refs/heads/main'", "environment": "staging"}),
        "is not manual",
    ),
    "test without postgres": (lambda w: github_job(w, "test").pop("services"), "no postgres service"),
    "build keeps nothing": (
        lambda w: drop_steps(github_job(w, "build"), lambda s: uses(s, "actions/upload-artifact")),
        "does not upload dist/",
    ),
    "test keeps no screenshots": (
        lambda w: drop_steps(github_job(w, "test"), lambda s: uses(s, "actions/upload-artifact")),
        f"does not upload {SCREENSHOTS} (screenshots)",
    ),
    "screenshots kept only when the tests pass": (
        lambda w: [s.pop("if") for s in github_job(w, "test")["steps"] if uses(s, "actions/upload-artifact")],
        f"does not upload {SCREENSHOTS} (screenshots)",
    ),
    "monitor keeps nothing": (
        lambda w: drop_steps(github_job(w, "monitor"), lambda s: uses(s, "actions/upload-artifact")),
        "does not upload ci-artifacts/monitor",
    ),
    "a shallow checkout for validate": (
        lambda w: github_job(w, "validate")["steps"][0].pop("with"),
        "without `fetch-depth: 0`",
    ),
    "python 3.11 as a float (3.1 for 3.10)": (
        lambda w: github_job(w, "test")["steps"][1]["with"].update({"python-version": 3.11}),
        'python-version "3.11"',
    ),
}


@pytest.mark.parametrize("drift", GITHUB_DRIFTS, ids=list(GITHUB_DRIFTS))
def test_a_drifted_github_workflow_is_caught(drift):
    edit, problem = GITHUB_DRIFTS[drift]
    workflow = copy.deepcopy(load(GITHUB_FILE))
    edit(workflow)
    problems = check_github(workflow)
    assert any(problem in p for p in problems), problems


def gitlab_job(pipeline: dict, stage: str) -> dict:
    for job in gitlab_jobs(pipeline).values():
        if any(f"dataops ci {stage}" in line for line in flatten(job.get("script"))):
            return job
    raise AssertionError(f"no gitlab job calls {stage}")


def gitlab_prod_job(pipeline: dict) -> dict:
    for job in gitlab_jobs(pipeline).values():
        if any("--target prod" in line for line in flatten(job.get("script"))):
            return job
    raise AssertionError("no gitlab production deploy job")


def set_gitlab_command(pipeline: dict, stage: str, command: str) -> None:
    job = gitlab_job(pipeline, stage)
    job["script"] = [line.replace(f".venv/bin/dataops ci {stage}", command) for line in flatten(job["script"])]


GITLAB_DRIFTS = {
    "a job calling a stage that does not exist": (
        lambda p: set_gitlab_command(p, "validate", ".venv/bin/dataops ci lint"),
        "calls stage 'lint'",
    ),
    "a job in the wrong stage": (lambda p: gitlab_job(p, "test").update(stage="build"), "is in stage 'build'"),
    "stages out of order": (
        lambda p: p.update(stages=["validate", "build", "test", "deploy", "monitor"]),
        "stages are",
    ),
    "needs that skip a stage": (lambda p: gitlab_job(p, "build").update(needs=[]), "does not run after a test job"),
    "no setup.sh first": (
        lambda p: p["default"].update(before_script=["echo no setup"]),
        "does not run `bash scripts/setup.sh`",
    ),
    "production without manual": (
        lambda p: gitlab_prod_job(p).update(rules=[{"if": '$CI_COMMIT_BRANCH == "main"'}]),
        "without `when: manual`",
    ),
    "production from any branch": (
        lambda p: gitlab_prod_job(p).update(rules=[{"if": "$CI_COMMIT_BRANCH", "when": "manual"}]),
        "outside main",
    ),
    "production with --force": (
        lambda p: set_gitlab_command(p, "deploy --target prod", ".venv/bin/dataops ci deploy --target prod --force"),
        "uses --force",
    ),
    "test without postgres": (lambda p: gitlab_job(p, "test").pop("services"), "no postgres service"),
    "tests pointed at localhost": (
        lambda p: gitlab_job(p, "test")["variables"].update(DATAOPS_TEST_PG_HOST="127.0.0.1"),
        "DATAOPS_TEST_PG_HOST is '127.0.0.1'",
    ),
    "build keeps nothing": (lambda p: gitlab_job(p, "build").pop("artifacts"), "keeps no dist/ artifacts"),
    "test keeps no screenshots": (
        lambda p: gitlab_job(p, "test").pop("artifacts"),
        f"keeps no {SCREENSHOTS} artifacts",
    ),
    "screenshots kept only when the tests pass": (
        lambda p: gitlab_job(p, "test")["artifacts"].pop("when"),
        f"keeps no {SCREENSHOTS} artifacts",
    ),
    "monitor keeps nothing": (lambda p: gitlab_job(p, "monitor").pop("artifacts"), "keeps no ci-artifacts/monitor"),
    "a shallow clone for validate": (lambda p: gitlab_job(p, "validate").pop("variables"), "GIT_DEPTH is not 0"),
    "uv's cache outside the project": (
        lambda p: p["variables"].update(UV_CACHE_DIR="/root/.cache/uv"),
        "UV_CACHE_DIR '/root/.cache/uv' is not under $CI_PROJECT_DIR",
    ),
}


@pytest.mark.parametrize("drift", GITLAB_DRIFTS, ids=list(GITLAB_DRIFTS))
def test_a_drifted_gitlab_pipeline_is_caught(drift):
    edit, problem = GITLAB_DRIFTS[drift]
    pipeline = copy.deepcopy(load(GITLAB_FILE))
    edit(pipeline)
    problems = check_gitlab(pipeline)
    assert any(problem in p for p in problems), problems
