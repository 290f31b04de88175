"""Building the stock bot, starting and stopping the bots, memory, and training time.

Every process is started in its own session (process group) and registered, so `stop_all()` (called
from `bench.run`'s `finally`, and at exit) can end each group it started, and nothing else.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import yaml

from clinic.local_secrets import rasa_api_token
from tests.support.ports import free_port
from tests.support.processes import newest_model, quiet_env, stop_group, wait_for_server

ROOT = Path(__file__).resolve().parent.parent
BENCH_VAR = ROOT / "var" / "bench"
STOCK_DIR = BENCH_VAR / "stock"
STOCK_STAMP = ".bench-stamp.json"
LOOPBACK = "127.0.0.1"

# Settings that tune a Rasa server. The stock bot runs with Rasa's defaults, so none of these reach it
# even when they are exported for this bot (e.g. by the Makefile while trying a lever).
STOCK_ENV_DROP = (
    "DATABASE_URL",
    "SANIC_WORKERS",
    "SANIC_BACKLOG",
    "TF_INTER_OP_PARALLELISM_THREADS",
    "TF_INTRA_OP_PARALLELISM_THREADS",
    "TF_FORCE_GPU_ALLOW_GROWTH",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "RASA_CACHE_DIRECTORY",
    "CLINIC_MODEL",
)


def log(message: str) -> None:
    """Progress goes to stderr; the table goes to stdout."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def venv_bin() -> Path:
    """The project's own venv: .venv/bin next to the repo, or the interpreter running this module."""
    own = ROOT / ".venv" / "bin"
    return own if (own / "rasa").exists() else Path(sys.executable).parent


def rasa_executable() -> str:
    path = venv_bin() / "rasa"
    if not path.exists():
        raise RuntimeError(f"{path} not found: run `make install` first")
    return str(path)


def rasa_version() -> str:
    out = subprocess.run(
        [str(venv_bin() / "python"), "-c", "import rasa; print(rasa.__version__)"],
        capture_output=True, text=True, check=True, env=base_env(),
    )
    return out.stdout.strip()


def base_env() -> Dict[str, str]:
    return quiet_env(PYTHONUNBUFFERED="1")


def stock_env(project: Path) -> Dict[str, str]:
    env = base_env()
    for name in STOCK_ENV_DROP:
        env.pop(name, None)
    env["PYTHONPATH"] = str(project)
    return env


def clinic_env(database_url: str, spool_dir: Path, extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """This bot's environment: its own temporary database and handoff spool, never the real ones."""
    env = base_env()
    env["PYTHONPATH"] = str(ROOT)
    env["DATABASE_URL"] = database_url
    env["HANDOFF_SPOOL_DIR"] = str(spool_dir)
    env.update(extra or {})
    return env


def migrate_database(env: Dict[str, str], log_path: Path, timeout: float = 300) -> bool:
    """`alembic upgrade head` on the bot's (temporary) DATABASE_URL, as `make run` does; False if no Alembic."""
    alembic = venv_bin() / "alembic"
    if not (ROOT / "alembic.ini").exists() or not alembic.exists():
        return False
    run_to_completion([str(alembic), "upgrade", "head"], ROOT, env, log_path, timeout)
    return True


# --------------------------------------------------------------------------------------------------
# Process bookkeeping: every group we start, so that we can always stop them (and only them).

_STARTED: List[subprocess.Popen] = []


def spawn(args: Sequence[str], cwd: Path, env: Dict[str, str], log_path: Path) -> subprocess.Popen:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as out:
        process = subprocess.Popen(
            list(args), cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
    _STARTED.append(process)
    return process


def stop(process: Optional[subprocess.Popen], timeout: float = 30) -> None:
    """SIGTERM to the process's own group, SIGKILL if it has not gone after `timeout` seconds."""
    if process is None:
        return
    stop_group(process, timeout)
    # The leader may be gone while a child of its group lingers.
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if process in _STARTED:
        _STARTED.remove(process)


def stop_all() -> None:
    for process in list(reversed(_STARTED)):
        stop(process, timeout=15)


atexit.register(stop_all)


def run_to_completion(
    args: Sequence[str], cwd: Path, env: Dict[str, str], log_path: Path, timeout: float
) -> float:
    """Runs a command (in its own group, stopped on any exit) and returns its wall time in seconds."""
    start = time.monotonic()
    process = spawn(args, cwd, env, log_path)
    try:
        code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"{' '.join(args)} took more than {timeout:.0f}s; log: {log_path}")
    finally:
        stop(process)
    elapsed = time.monotonic() - start
    if code != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({code}): {tail(log_path)}")
    return elapsed


def tail(path: Path, chars: int = 3000) -> str:
    return path.read_text(errors="replace")[-chars:] if path.exists() else "(no log)"


# --------------------------------------------------------------------------------------------------
# Memory: resident set size of a process and all its descendants, from /proc.


def _children_map() -> Dict[int, List[int]]:
    children: Dict[int, List[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # The command name (field 2) is in parentheses and may contain spaces.
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    return children


def process_tree(pid: int) -> List[int]:
    children = _children_map()
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def _rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def tree_rss_bytes(pid: int) -> int:
    """RSS of `pid` plus all its descendants (shared pages are counted once per process)."""
    return sum(_rss_bytes(p) for p in process_tree(pid))


# --------------------------------------------------------------------------------------------------
# Waiting for a server.


def wait_for_http(url: str, process: subprocess.Popen, log_path: Path, timeout: float,
                  need_model: bool = False) -> None:
    """Polls `url` every 0.1 s until it answers 200 (and, for /status, reports a loaded model)."""
    wait_for_server(url, process, timeout, "the server", lambda: tail(log_path), interval=0.1,
                    ready=_model_loaded if need_model else None)


def _model_loaded(response) -> bool:
    try:
        status = response.json() or {}
    except ValueError:
        return False
    return bool(status.get("model_file") or status.get("fingerprint"))


# --------------------------------------------------------------------------------------------------
# The bots.


@dataclass
class Bot:
    """One assistant: its project directory, model, environment and (optional) action server."""

    key: str  # "this" or "stock"
    label: str
    project: Path
    model: Path
    env: Dict[str, str]
    credentials: Path
    endpoints: Path
    needs_action_server: bool
    logdir: Path
    migrate: bool = False
    # The command that starts the Rasa server ("rasa" unless the bot has its own entry point).
    server_command: Sequence[str] = ()
    # The token of Rasa's HTTP API, for /status (this bot's clinic.server requires one).
    api_token: str = ""
    rasa_port: int = 0
    action_port: int = 0
    rasa_process: Optional[subprocess.Popen] = field(default=None, repr=False)
    action_process: Optional[subprocess.Popen] = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.rasa_port}"

    def _endpoints_for(self, action_port: int, run_dir: Path) -> Path:
        """The bot's endpoints.yml as it is, or a copy whose action server is ours on 127.0.0.1:<action_port>."""
        if not self.needs_action_server:
            return self.endpoints
        content = yaml.safe_load(self.endpoints.read_text()) or {}
        content.setdefault("action_endpoint", {})["url"] = f"http://{LOOPBACK}:{action_port}/webhook"
        path = run_dir / f"endpoints-{self.key}.yml"
        path.write_text(yaml.safe_dump(content, sort_keys=False))
        return path

    def start(self, run_dir: Path, tag: str, timeout: float) -> Dict[str, float]:
        """Starts the action server (if any, and waits for it), then the Rasa server.

        Returns {"startup_s": Rasa process start -> /status 200, "action_startup_s": ...}.
        """
        timings: Dict[str, float] = {}
        rasa = rasa_executable()
        if self.migrate:  # a deployment step, before the servers start: not part of start-up
            migrate_database(self.env, self.logdir / f"{self.key}-migrate-{tag}.log")
        self.action_port = free_port() if self.needs_action_server else 0
        endpoints = self._endpoints_for(self.action_port, run_dir)
        if self.needs_action_server:
            log_path = self.logdir / f"{self.key}-actions-{tag}.log"
            start = time.monotonic()
            self.action_process = spawn(
                [rasa, "run", "actions", "--port", str(self.action_port)], self.project, self.env, log_path
            )
            wait_for_http(f"http://{LOOPBACK}:{self.action_port}/health", self.action_process, log_path, timeout)
            timings["action_startup_s"] = time.monotonic() - start

        self.rasa_port = free_port()
        log_path = self.logdir / f"{self.key}-rasa-{tag}.log"
        args = [
            *(self.server_command or [rasa]), "run", "--enable-api", "--credentials", str(self.credentials), "--endpoints", str(endpoints),
            "-m", str(self.model), "--port", str(self.rasa_port), "--interface", LOOPBACK,
        ]
        start = time.monotonic()
        self.rasa_process = spawn(args, self.project, self.env, log_path)
        status = f"{self.url}/status" + (f"?token={self.api_token}" if self.api_token else "")
        wait_for_http(status, self.rasa_process, log_path, timeout, need_model=True)
        timings["startup_s"] = time.monotonic() - start
        return timings

    def memory(self) -> Dict[str, float]:
        """RSS in MB of the Rasa server (with its children), and of the action server if there is one."""
        result: Dict[str, float] = {}
        if self.rasa_process and self.rasa_process.poll() is None:
            result["rss_mb"] = tree_rss_bytes(self.rasa_process.pid) / 2**20
        if self.action_process and self.action_process.poll() is None:
            result["action_rss_mb"] = tree_rss_bytes(self.action_process.pid) / 2**20
        return result

    def check_alive(self) -> None:
        for name, process in (("Rasa server", self.rasa_process), ("action server", self.action_process)):
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"{self.label}: the {name} exited ({process.returncode}); logs in {self.logdir}")

    def stop(self) -> None:
        stop(self.rasa_process)
        stop(self.action_process)
        self.rasa_process = self.action_process = None


def _uses_action_server(endpoints: Path) -> bool:
    content = yaml.safe_load(endpoints.read_text()) if endpoints.exists() else None
    return bool((content or {}).get("action_endpoint"))


def this_bot(model: Path, workdir: Path, logdir: Path, extra_env: Optional[Dict[str, str]] = None) -> Bot:
    """This bot with a fresh SQLite database and handoff spool under `workdir`."""
    workdir.mkdir(parents=True, exist_ok=True)
    return Bot(
        key="this",
        label="this bot",
        project=ROOT,
        model=model,
        env=clinic_env(f"sqlite:///{workdir / 'clinic.db'}", workdir / "spool", extra_env),
        credentials=ROOT / "credentials.yml",
        endpoints=ROOT / "endpoints.yml",
        needs_action_server=True,
        logdir=logdir,
        migrate=True,
        server_command=[str(venv_bin() / "python"), "-m", "clinic.server"],
        api_token=rasa_api_token(),
    )


def stock_bot(project: Path, logdir: Path) -> Bot:
    model = newest_model(project / "models")
    if model is None:
        raise RuntimeError(f"no model in {project / 'models'}: delete {project} and run again")
    endpoints = project / "endpoints.yml"
    return Bot(
        key="stock",
        label="stock rasa init",
        project=project,
        model=model,
        env=stock_env(project),
        credentials=project / "credentials.yml",
        endpoints=endpoints,
        needs_action_server=_uses_action_server(endpoints),
        logdir=logdir,
    )


# --------------------------------------------------------------------------------------------------
# The stock bot: `rasa init --no-prompt` with the project's venv, built once per Rasa version.


def build_stock(timeout: float = 3600) -> Path:
    """Returns var/bench/stock/, building it (rasa init, which also trains) unless it is up to date."""
    version = rasa_version()
    python = sys.version.split()[0]
    stamp_path = STOCK_DIR / STOCK_STAMP
    wanted = {"rasa": version, "command": "rasa init --no-prompt"}
    if stamp_path.exists():
        try:
            stamp = json.loads(stamp_path.read_text())
        except ValueError:
            stamp = {}
        if {k: stamp.get(k) for k in wanted} == wanted and newest_model(STOCK_DIR / "models"):
            log(f"stock bot: cached in {STOCK_DIR.relative_to(ROOT)} (rasa {version})")
            return STOCK_DIR

    log(f"stock bot: building with `rasa init --no-prompt` (rasa {version}); this trains it (minutes)")
    BENCH_VAR.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix="stock.building-", dir=BENCH_VAR))
    building.chmod(0o755)
    try:
        env = stock_env(building)
        seconds = run_to_completion(
            [rasa_executable(), "init", "--no-prompt", "--init-dir", str(building)],
            cwd=building, env=env, log_path=BENCH_VAR / "stock-init.log", timeout=timeout,
        )
        if newest_model(building / "models") is None:
            raise RuntimeError(f"rasa init trained no model: {tail(BENCH_VAR / 'stock-init.log')}")
        stamp = dict(wanted, python=python, built=time.strftime("%Y-%m-%d %H:%M:%S"),
                     init_seconds=round(seconds, 1))
        (building / STOCK_STAMP).write_text(json.dumps(stamp, indent=2) + "\n")
        if STOCK_DIR.exists():
            shutil.rmtree(STOCK_DIR)
        building.rename(STOCK_DIR)
    finally:
        if building.exists():
            shutil.rmtree(building, ignore_errors=True)
    log(f"stock bot: built in {seconds:.0f}s")
    return STOCK_DIR


# --------------------------------------------------------------------------------------------------
# Training from scratch: `rasa train --force` into a temporary directory, with an empty cache.


def train_seconds(bot: Bot, work: Path, timeout: float) -> float:
    """Wall time of `rasa train --force` from scratch (fresh cache dir) for the bot's project.

    The stock bot is trained on a copy of its project (Rasa writes the chosen default pipeline back
    into config.yml), this bot in place with the output and cache outside the repository.
    """
    work.mkdir(parents=True, exist_ok=True)
    env = dict(bot.env, RASA_CACHE_DIRECTORY=str(work / "cache"))
    if bot.key == "stock":
        project = work / "project"
        project.mkdir()
        for name in ("config.yml", "domain.yml"):
            shutil.copy2(bot.project / name, project / name)
        shutil.copytree(bot.project / "data", project / "data")
    else:
        project = bot.project
    args = [rasa_executable(), "train", "--force", "--out", str(work / "models"),
            "--fixed-model-name", f"bench-train-{bot.key}"]
    try:
        return run_to_completion(args, project, env, bot.logdir / f"{bot.key}-train.log", timeout)
    finally:
        shutil.rmtree(work, ignore_errors=True)
