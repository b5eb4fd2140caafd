"""Compare Whoosh distributions (whoosh, whoosh-reloaded, whoosh-ng, whoosh3) for itsm's full-text index.

Two ways to run it (see docs/whoosh.md):

    # one cell: the interpreter of a venv that has ONE candidate installed; prints one JSON object
    /tmp/whoosh-cmp/311-whoosh3/bin/python scripts/whoosh_compare.py --sizes 1000 10000

    # the whole matrix: makes /tmp/whoosh-cmp/<py>-<candidate> venvs, installs, runs every cell,
    # writes /tmp/whoosh-cmp/results/<cell>.json and table.md (any Python >= 3.11 can drive it)
    python3 scripts/whoosh_compare.py --matrix

A worker imports only the standard library at the top, so the fresh-process timings (`--child ...`,
started by the worker itself) start the clock before `whoosh` is imported. All workloads use the
plain `whoosh` API (the import name every candidate installs), one writer, `procs=1`, one commit.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).resolve()
DEFAULT_ROOT = Path("/tmp/whoosh-cmp")
DEFAULT_PYTHONS = [
    "/root/.pyenv/versions/3.11.7/bin/python3",
    "/root/.pyenv/versions/3.12.1/bin/python3",
    "/root/.pyenv/versions/3.13.0/bin/python3",
]
DEFAULT_CANDIDATES = ["whoosh", "whoosh-reloaded", "whoosh-ng", "whoosh3"]
# What itsm's index code would import: a CLI command pays for exactly these.
IMPORTS = "whoosh.index, whoosh.fields, whoosh.analysis, whoosh.qparser, whoosh.query, whoosh.highlight"
# API names itsm uses (itsm/search/index.py), checked on every candidate: a missing one = not a drop-in
# replacement. "Class.attr" checks an attribute of a class.
API = {
    "whoosh.index": ["create_in", "open_dir", "exists_in", "EmptyIndexError", "LockError"],
    "whoosh.fields": ["Schema", "ID", "KEYWORD", "TEXT", "STORED"],
    "whoosh.analysis": [
        "StemmingAnalyzer",
        "STOP_WORDS",
        "IntraWordFilter",
        "LowercaseFilter",
        "RegexTokenizer",
        "StemFilter",
        "StopFilter",
    ],
    "whoosh.lang.porter2": ["stem"],
    "whoosh.qparser": ["MultifieldParser", "OrGroup", "FieldsPlugin", "QueryParser.remove_plugin_class"],
    "whoosh.query": ["Term", "And", "Or", "Every", "Prefix"],
    "whoosh.highlight": ["ContextFragmenter", "Formatter", "get_text"],
    "whoosh.searching": ["Searcher.key_terms_from_text", "Searcher.search", "Hit.highlights"],
    "whoosh.writing": ["IndexWriter.delete_by_term", "IndexWriter.update_document", "IndexWriter.cancel"],
}
WARNING_LINE = re.compile(r"^(?P<where>.+?):(?P<line>\d+): (?P<cat>\w*Warning): (?P<msg>.*)$")

# ----------------------------------------------------------------------------------------------
# The corpus: deterministic, ticket-shaped
# ----------------------------------------------------------------------------------------------

_VOCAB_TEXT = """
vpn printer outlook password laptop wifi disconnect spooler mtu certificate expired reset account locked
mailbox calendar teams sharepoint onedrive sync drive mapped network share permission denied access
firewall proxy dns dhcp lease gateway router switch port cable ethernet adapter driver update patch
reboot restart crash freeze slow performance memory disk full space backup restore license activation
office excel word powerpoint pdf scanner toner paper jam tray queue print job monitor display docking
station keyboard mouse bluetooth headset webcam microphone audio meeting zoom browser chrome edge
firefox cache cookie login sso mfa token authenticator phone mobile email attachment signature
distribution list shared quota archive server database timeout error code ticket request install
uninstall software hardware replacement warranty battery charger screen broken bios boot encryption
bitlocker recovery key antivirus malware phishing spam quarantine policy group domain trust profile
citrix rdp remote desktop session latency packet loss bandwidth ssid wireless point
"""
VOCAB = _VOCAB_TEXT.split()
_FILLER_TEXT = """
the a after when user users reports report since this morning cannot can not again still every
time with from on in at for of to and but while keeps is was shows showing getting gets tried
"""
FILLER = _FILLER_TEXT.split()
STEM_FORMS = {"disconnect", "disconnects", "disconnected", "disconnecting", "disconnection"}
KINDS = ["incident", "request", "problem", "change"]
STATUSES = ["new", "open", "open", "open", "pending", "resolved", "closed"]
CATEGORIES = ["network", "hardware", "software", "email", "access", "printing", "security"]
PRIORITIES = ["P1", "P2", "P3", "P3", "P4"]

KNOWN_QUERY = "kerberos skew smartcard"  # words that appear in the planted document only
STEM_QUERY = "disconnects"  # planted body says "disconnecting"; the vocabulary's form is "disconnect"


def _words(rng: random.Random, n: int, vocab: Sequence[str]) -> str:
    return " ".join(rng.choice(vocab) if rng.random() < 0.7 else rng.choice(FILLER) for _ in range(n))


def make_corpus(n: int, seed: int) -> tuple[list[dict[str, str]], str, str]:
    """N ticket-like documents, plus the ids of the two planted documents (known top hit, stemming)."""
    rng = random.Random(seed)
    docs: list[dict[str, str]] = []
    for i in range(n):
        docs.append(
            {
                "id": f"T-{i:06d}",
                "kind": rng.choice(KINDS),
                "status": rng.choice(STATUSES),
                "category": ",".join(sorted(set(rng.sample(CATEGORIES, rng.randint(1, 2))))),
                "priority": rng.choice(PRIORITIES),
                "title": _words(rng, rng.randint(6, 10), VOCAB).capitalize(),
                "body": _words(rng, rng.randint(100, 140), VOCAB),
            }
        )
    known, stem = docs[n // 2]["id"], docs[n // 3]["id"]
    docs[n // 2].update(
        status="open",
        title="Kerberos clock skew breaks smartcard login on laptop",
        body="Kerberos rejects the smartcard because of clock skew. " + _words(rng, 110, VOCAB),
    )
    no_stem = [w for w in VOCAB if w not in STEM_FORMS]
    docs[n // 3].update(
        status="open",
        title="Docking station flaps",
        body="The monitor keeps disconnecting from the docking station when the lid closes. "
        + _words(rng, 110, no_stem),
    )
    return docs, known, stem


def make_queries(count: int, seed: int) -> list[str]:
    rng = random.Random(seed + 1)
    return [" ".join(rng.sample(VOCAB, rng.randint(1, 3))) for _ in range(count)]


# ----------------------------------------------------------------------------------------------
# Small helpers
# ----------------------------------------------------------------------------------------------


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def p95(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def first_line(text: str) -> str:
    """The line that says what went wrong: pip's first 'ERROR:' line, else the last line of a traceback."""
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    for ln in lines:
        if ln.startswith("ERROR:"):
            return ln[:300]
    return (lines[-1] if lines else "")[:300]


def short_where(path: str) -> str:
    marker = "site-packages/"
    return path.split(marker, 1)[1] if marker in path else path


def parse_warning_lines(stderr: str) -> list[dict[str, str]]:
    found = []
    for ln in stderr.splitlines():
        m = WARNING_LINE.match(ln.strip())
        if m:
            found.append({"category": m["cat"], "message": m["msg"], "where": f"{short_where(m['where'])}:{m['line']}"})
    return found


def summarise_warnings(found: list[dict[str, str]]) -> dict[str, Any]:
    distinct = sorted({f"{w['category']}: {w['message']}" for w in found})
    return {
        "count": len(found),
        "distinct": distinct,
        "locations": sorted({f"{w['where']} {w['category']}: {w['message']}" for w in found}),
    }


def run_child(args: list[str], timeout: float = 300) -> tuple[dict[str, Any], float, str]:
    """Run this script's --child mode in a fresh interpreter; return its JSON, wall seconds, stderr."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-W", "always", str(SCRIPT), "--child", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"child {args[0]} failed: {first_line(done.stderr)}")
    return json.loads(done.stdout), wall, done.stderr


# ----------------------------------------------------------------------------------------------
# Whoosh workloads (whoosh is imported lazily, inside these functions)
# ----------------------------------------------------------------------------------------------


def make_schema() -> Any:
    from whoosh.analysis import StemmingAnalyzer
    from whoosh.fields import ID, KEYWORD, TEXT, Schema

    return Schema(
        id=ID(stored=True, unique=True),
        kind=ID(stored=True),
        status=ID(stored=True),
        category=KEYWORD(stored=True, commas=True),
        priority=ID(stored=True),
        title=TEXT(analyzer=StemmingAnalyzer(), stored=True, field_boost=3.0),
        body=TEXT(analyzer=StemmingAnalyzer(), stored=True),
    )


def build_index(path: Path, docs: list[dict[str, str]]) -> float:
    from whoosh import index

    start = time.perf_counter()
    ix = index.create_in(str(path), make_schema())
    writer = ix.writer(procs=1)
    for doc in docs:
        writer.add_document(**doc)
    writer.commit()
    ix.close()
    return time.perf_counter() - start


def search(searcher: Any, schema: Any, text: str, status: str | None = "open", limit: int = 10) -> Any:
    from whoosh.qparser import MultifieldParser, OrGroup
    from whoosh.query import Term

    query = MultifieldParser(["title", "body"], schema=schema, group=OrGroup).parse(text)
    return searcher.search(query, filter=Term("status", status) if status else None, limit=limit)


def time_queries(path: Path, queries: list[str]) -> dict[str, Any]:
    from whoosh import index

    ix = index.open_dir(str(path))
    times: list[float] = []
    hits = 0
    with ix.searcher() as searcher:
        search(searcher, ix.schema, "warm up vpn")  # first query pays lazy loading; not timed
        for q in queries:
            start = time.perf_counter()
            results = search(searcher, ix.schema, q)
            ids = [hit["id"] for hit in results]  # read stored fields, as a list command would
            times.append(time.perf_counter() - start)
            hits += len(ids)
    ix.close()
    return {
        "count": len(queries),
        "median_ms": round(1000 * (median(times) or 0), 3),
        "p95_ms": round(1000 * (p95(times) or 0), 3),
        "mean_hits": round(hits / len(queries), 2),
    }


def check_correctness(path: Path, known: str, stem: str) -> dict[str, Any]:
    from whoosh import index
    from whoosh.query import Term

    out: dict[str, Any] = {}
    ix = index.open_dir(str(path))
    with ix.searcher() as searcher:
        results = search(searcher, ix.schema, KNOWN_QUERY)
        out["known_query_top"] = results[0]["id"] if len(results) else None
        out["known_query_ok"] = out["known_query_top"] == known

        from whoosh.qparser import MultifieldParser, OrGroup

        parsed = MultifieldParser(["title", "body"], schema=ix.schema, group=OrGroup).parse(STEM_QUERY)
        stem_results = searcher.search(parsed & Term("id", stem), limit=1)
        out["stemming_ok"] = len(stem_results) == 1 and stem_results[0]["id"] == stem
        fragment = stem_results[0].highlights("body") if len(stem_results) else ""
        out["highlight_fragment"] = fragment[:160]
        out["highlights_ok"] = "disconnecting" in fragment and "<b" in fragment
        out["doc_count"] = ix.doc_count()
    ix.close()
    return out


def api_probe() -> dict[str, list[str]]:
    missing: list[str] = []
    for module_name, names in API.items():
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:
            missing.append(f"{module_name} ({type(exc).__name__}: {exc})")
            continue
        for name in names:
            obj: Any = module
            for part in name.split("."):
                obj = getattr(obj, part, None)
            if obj is None:
                missing.append(f"{module_name}.{name}")
    return {"missing": missing}


def distribution_info() -> dict[str, Any]:
    from importlib import metadata

    owners = metadata.packages_distributions().get("whoosh", [])
    info: dict[str, Any] = {"provides_whoosh": owners, "distributions": []}
    for name in sorted(set(owners)):
        dist = metadata.distribution(name)
        tops = set()
        for f in dist.files or []:
            top = str(f).split("/", 1)[0]
            if top.endswith((".dist-info", ".data", ".pth")) or top in ("..", "__pycache__"):
                continue
            if "/" in str(f) or top.endswith(".py"):
                tops.add(top.removesuffix(".py"))
        info["distributions"].append(
            {
                "name": dist.metadata["Name"],
                "version": dist.version,
                "requires_python": dist.metadata.get("Requires-Python"),
                "requires": [r for r in (dist.requires or []) if "extra ==" not in r],
                "top_level": sorted(tops),
                "console_scripts": sorted(ep.name for ep in dist.entry_points if ep.group == "console_scripts"),
            }
        )
    return info


# ----------------------------------------------------------------------------------------------
# Fresh-process children
# ----------------------------------------------------------------------------------------------


def child_import() -> dict[str, Any]:
    before = len(sys.modules)
    start = time.perf_counter()
    for name in IMPORTS.split(", "):
        importlib.import_module(name)
    return {"import_s": time.perf_counter() - start, "modules_loaded": len(sys.modules) - before}


def child_open_query(path: Path, text: str) -> dict[str, Any]:
    t0 = time.perf_counter()
    from whoosh import index

    t1 = time.perf_counter()
    ix = index.open_dir(str(path))
    t2 = time.perf_counter()
    with ix.searcher() as searcher:
        ids = [hit["id"] for hit in search(searcher, ix.schema, text)]
    t3 = time.perf_counter()
    return {"import_s": t1 - t0, "open_s": t2 - t1, "query_s": t3 - t2, "total_s": t3 - t0, "hits": len(ids)}


def child_update(path: Path, doc: dict[str, str]) -> dict[str, Any]:
    t0 = time.perf_counter()
    from whoosh import index

    t1 = time.perf_counter()
    ix = index.open_dir(str(path))
    writer = ix.writer()
    t2 = time.perf_counter()
    writer.update_document(**doc)
    writer.commit()
    t3 = time.perf_counter()
    ix.close()
    return {"import_s": t1 - t0, "open_writer_s": t2 - t1, "update_commit_s": t3 - t2, "total_s": t3 - t0}


def child_build(path: Path, n: int, seed: int) -> dict[str, Any]:
    docs, known, stem = make_corpus(n, seed)
    seconds = build_index(path, docs)
    return {"build_s": seconds, "known": known, "stem": stem}


def child_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="whoosh_compare.py --child")
    parser.add_argument("mode", choices=["import", "open-query", "update", "build", "api"])
    parser.add_argument("--index", type=Path)
    parser.add_argument("--query", default="vpn disconnect")
    parser.add_argument("--doc", default="{}")
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=20261127)
    args = parser.parse_args(argv)
    if args.mode == "import":
        out = child_import()
    elif args.mode == "api":
        out = api_probe()
    elif args.mode == "open-query":
        out = child_open_query(args.index, args.query)
    elif args.mode == "update":
        out = child_update(args.index, json.loads(args.doc))
    else:
        out = child_build(args.index, args.n, args.seed)
    print(json.dumps(out))
    return 0


# ----------------------------------------------------------------------------------------------
# The worker: one interpreter x one candidate
# ----------------------------------------------------------------------------------------------


def fresh_cache_warnings(package_dir: Path) -> dict[str, Any]:
    """Warnings that a first import shows (SyntaxWarning/DeprecationWarning at compile time and import time).

    pip compiled the package when it installed it, so a normal import shows no compile-time
    warnings; an empty PYTHONPYCACHEPREFIX makes the interpreter compile everything again.
    """
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "PYTHONPYCACHEPREFIX": cache}
        done = subprocess.run(
            [sys.executable, "-W", "always", "-c", f"import {IMPORTS}"],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        out["import"] = summarise_warnings(parse_warning_lines(done.stderr))
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "PYTHONPYCACHEPREFIX": cache}
        done = subprocess.run(
            [sys.executable, "-W", "always", "-m", "compileall", "-q", "-f", str(package_dir)],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        out["compileall"] = summarise_warnings(parse_warning_lines(done.stderr + done.stdout))
        out["compileall"]["rc"] = done.returncode
    return out


@contextlib.contextmanager
def recording() -> Iterator[list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught


def worker(sizes: list[int], n_queries: int, repeats: int, fresh_runs: int, seed: int) -> dict[str, Any]:
    result: dict[str, Any] = {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "executable": sys.executable,
        "nproc": os.cpu_count(),
        "seed": seed,
        "errors": [],
    }
    try:
        import whoosh
    except Exception as exc:
        result["import_error"] = f"{type(exc).__name__}: {exc}"
        return result
    result["whoosh_versionstring"] = whoosh.versionstring()
    result["whoosh_file"] = short_where(str(Path(whoosh.__file__)))
    result["distribution"] = distribution_info()
    result["api"] = api_probe()

    imports = []
    for _ in range(7):
        out, _wall, _err = run_child(["import"])
        imports.append(out)
    result["import_ms_median"] = round(1000 * (median([o["import_s"] for o in imports]) or 0), 2)
    result["import_modules"] = imports[0]["modules_loaded"]
    result["warnings"] = fresh_cache_warnings(Path(whoosh.__file__).parent)

    child_stderr = ""
    queries = make_queries(n_queries, seed)
    with recording() as caught:
        for n in sizes:
            per: dict[str, Any] = {}
            result[f"n{n}"] = per
            docs, known, stem = make_corpus(n, seed)
            with tempfile.TemporaryDirectory(prefix="whoosh-cmp-") as tmp:
                path = Path(tmp) / "ix"
                try:
                    builds = []
                    for _ in range(repeats if n <= 2000 else 1):
                        if path.exists():
                            shutil.rmtree(path)
                        path.mkdir()
                        builds.append(build_index(path, docs))
                    per["build_s"] = [round(b, 3) for b in builds]
                    per["build_s_median"] = round(median(builds) or 0, 3)
                    per["docs_per_s"] = round(n / (median(builds) or 1), 1)
                    per["index_bytes"] = dir_size(path)
                    per["query"] = time_queries(path, queries)
                    per["checks"] = check_correctness(path, known, stem)

                    cold = []
                    for _ in range(fresh_runs):
                        out, wall, err = run_child(["open-query", "--index", str(path), "--query", queries[0]])
                        out["wall_s"] = wall
                        cold.append(out)
                        child_stderr += err
                    per["fresh_open_query"] = {
                        key: round(1000 * (median([c[key] for c in cold]) or 0), 2)
                        for key in ("import_s", "open_s", "query_s", "total_s", "wall_s")
                    }

                    updates = []
                    target = dict(docs[n // 4])
                    for i in range(fresh_runs):
                        target["body"] = docs[n // 4]["body"] + f" updmark{chr(97 + i)}"
                        out, wall, err = run_child(["update", "--index", str(path), "--doc", json.dumps(target)])
                        out["wall_s"] = wall
                        updates.append(out)
                        child_stderr += err
                    per["fresh_update"] = {
                        key: round(1000 * (median([u[key] for u in updates]) or 0), 2)
                        for key in ("import_s", "open_writer_s", "update_commit_s", "total_s", "wall_s")
                    }
                    from whoosh import index

                    ix = index.open_dir(str(path))
                    with ix.searcher() as searcher:
                        marker = f"updmark{chr(97 + fresh_runs - 1)}"
                        found = [h["id"] for h in search(searcher, ix.schema, marker, status=None)]
                        per["checks"]["update_ok"] = ix.doc_count() == n and found == [target["id"]]
                        per["checks"]["doc_count_after_updates"] = ix.doc_count()
                    ix.close()
                    per["index_bytes_after_updates"] = dir_size(path)
                except Exception as exc:
                    result["errors"].append(f"n={n}: {type(exc).__name__}: {first_line(str(exc))}")
    runtime = [
        {
            "category": w.category.__name__,
            "message": str(w.message),
            "where": f"{short_where(w.filename)}:{w.lineno}",
        }
        for w in caught
    ]
    result["warnings"]["runtime"] = summarise_warnings(runtime)
    result["warnings"]["children"] = summarise_warnings(parse_warning_lines(child_stderr))
    return result


# ----------------------------------------------------------------------------------------------
# The matrix driver
# ----------------------------------------------------------------------------------------------


def python_tag(python: str) -> str:
    done = subprocess.run(
        [python, "-c", "import sys; print(f'{sys.version_info[0]}{sys.version_info[1]}')"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def run_cell(python: str, candidate: str, root: Path, worker_args: list[str], reuse: bool) -> dict[str, Any]:
    tag = python_tag(python)
    venv = root / f"{tag}-{candidate}"
    cell: dict[str, Any] = {"cell": venv.name, "interpreter": python, "candidate": candidate}
    cell["python"] = subprocess.run(
        [python, "-c", "import platform; print(platform.python_version())"], capture_output=True, text=True, check=False
    ).stdout.strip()
    vpy = venv / "bin" / "python"
    if not (reuse and vpy.exists()):
        if venv.exists():
            shutil.rmtree(venv)
        made = subprocess.run([python, "-m", "venv", str(venv)], capture_output=True, text=True, check=False)
        if made.returncode != 0:
            cell["install_error"] = "venv: " + first_line(made.stderr)
            return cell
        pip = subprocess.run(
            [str(vpy), "-m", "pip", "install", "-q", candidate], capture_output=True, text=True, check=False
        )
        (root / f"{venv.name}.install.log").write_text(pip.stdout + pip.stderr, encoding="utf-8")
        if pip.returncode != 0:
            cell["install_error"] = first_line(pip.stderr)
            return cell
    show = subprocess.run([str(vpy), "-m", "pip", "show", "-f", candidate], capture_output=True, text=True, check=False)
    cell["pip_show_top_level"] = sorted(
        {
            ln.strip().split("/", 1)[0]
            for ln in show.stdout.splitlines()
            if ln.startswith("  ") and "/" in ln and ".dist-info" not in ln and not ln.strip().startswith("..")
        }
    )
    cell["installed"] = subprocess.run(
        [str(vpy), "-m", "pip", "list", "--format=freeze"], capture_output=True, text=True, check=False
    ).stdout.split()
    try:
        done = subprocess.run(
            [str(vpy), str(SCRIPT), *worker_args], capture_output=True, text=True, timeout=1800, check=False
        )
    except subprocess.TimeoutExpired:
        cell["run_error"] = "timed out after 1800 s"
        return cell
    if done.returncode != 0:
        cell["run_error"] = first_line(done.stderr)
        return cell
    cell.update(json.loads(done.stdout))
    return cell


def cross_read(cells: list[dict[str, Any]], root: Path, seed: int) -> None:
    """Can each candidate open an index written by whoosh 2.7.4 (and 2.7.4 one written by each)?"""
    usable = [c for c in cells if "whoosh_versionstring" in c]
    ref = next((c for c in usable if c["candidate"] == "whoosh"), None)
    if not ref:
        return
    ref_py = root / ref["cell"] / "bin" / "python"
    with tempfile.TemporaryDirectory(prefix="whoosh-cross-") as tmp:
        for writer_cell in usable:
            path = Path(tmp) / writer_cell["cell"]
            path.mkdir()
            wpy = root / writer_cell["cell"] / "bin" / "python"
            built = subprocess.run(
                [str(wpy), str(SCRIPT), "--child", "build", "--index", str(path), "--n", "200", "--seed", str(seed)],
                capture_output=True,
                text=True,
                check=False,
            )
            if built.returncode != 0:
                writer_cell["cross"] = {"build_error": first_line(built.stderr)}
                continue
            readers = [(wpy, "self"), (ref_py, "whoosh-2.7.4")]
            if writer_cell is ref:
                readers = [(root / c["cell"] / "bin" / "python", c["cell"]) for c in usable]
            res: dict[str, str] = {}
            for rpy, label in readers:
                done = subprocess.run(
                    [str(rpy), str(SCRIPT), "--child", "open-query", "--index", str(path), "--query", KNOWN_QUERY],
                    capture_output=True,
                    text=True,
                    check=False,
                )
                res[label] = (
                    f"ok ({json.loads(done.stdout)['hits']} hits)"
                    if done.returncode == 0
                    else "FAIL: " + first_line(done.stderr)
                )
            writer_cell["cross"] = res


def fmt(value: Any, scale: float = 1.0, digits: int = 0) -> str:
    if value is None:
        return "-"
    return f"{value * scale:.{digits}f}"


def size_label(n: int) -> str:
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def table_rows(cells: list[dict[str, Any]], sizes: list[int]) -> tuple[list[str], list[list[str]]]:
    big = max(sizes)
    head = ["python", "candidate", "import ms"]
    head += [f"build {size_label(n)} s" for n in sizes]
    head += [
        f"query median ms ({size_label(big)})",
        f"fresh open+1st query ms ({size_label(big)})",
        f"fresh update ms ({size_label(big)})",
        f"index MB ({size_label(big)})",
        "warnings import/compileall/runtime",
        "checks",
    ]
    rows = []
    for c in cells:
        dists = c.get("distribution", {}).get("distributions", [])
        label = f"{c['candidate']} {dists[0]['version']}" if dists else c["candidate"]
        py = c.get("python") or c["cell"].split("-", 1)[0]
        problem = c.get("install_error") or c.get("run_error") or c.get("import_error")
        if problem:
            rows.append([py, label, f"FAILED: {problem[:160]}", *["-"] * (len(head) - 3)])
            continue
        row = [py, label, fmt(c.get("import_ms_median"), digits=1)]
        for n in sizes:
            row.append(fmt(c.get(f"n{n}", {}).get("build_s_median"), digits=2))
        per = c.get(f"n{big}", {})
        row.append(fmt(per.get("query", {}).get("median_ms"), digits=2))
        fo = per.get("fresh_open_query", {})
        row.append(f"{fmt(fo.get('total_s'), digits=0)} (wall {fmt(fo.get('wall_s'), digits=0)})")
        fu = per.get("fresh_update", {})
        row.append(f"{fmt(fu.get('total_s'), digits=0)} (wall {fmt(fu.get('wall_s'), digits=0)})")
        row.append(fmt(per.get("index_bytes"), scale=1 / 1e6, digits=1))
        w = c.get("warnings", {})
        row.append(
            "/".join(str(w.get(k, {}).get("count", "-")) for k in ("import", "compileall"))
            + f"/{w.get('runtime', {}).get('count', 0) + w.get('children', {}).get('count', 0)}"
        )
        checks = [per_n.get("checks", {}) for n in sizes if (per_n := c.get(f"n{n}"))]
        keys = ("known_query_ok", "stemming_ok", "highlights_ok", "update_ok")
        ok = bool(checks) and all(ch.get(k) for ch in checks for k in keys)
        row.append("all ok" if ok and not c.get("errors") else "FAIL " + "; ".join(c.get("errors", []))[:80])
        rows.append(row)
    return head, rows


def render(head: list[str], rows: list[list[str]]) -> str:
    try:
        from tabulate import tabulate

        return str(tabulate(rows, headers=head, tablefmt="github"))
    except ImportError:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines)


KEY_METRICS = [
    "import_ms_median",
    "n{small}.build_s_median",
    "n{big}.build_s_median",
    "n{big}.query.median_ms",
    "n{big}.fresh_open_query.total_s",
    "n{big}.fresh_open_query.wall_s",
    "n{big}.fresh_update.total_s",
    "n{big}.fresh_update.wall_s",
]


def dig(data: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


def merge_passes(values: list[Any]) -> Any:
    """One cell from several passes: numbers -> median, booleans -> all, number lists -> all samples."""
    first = values[0]
    if isinstance(first, bool):
        return all(v is True for v in values)
    if isinstance(first, int | float):
        numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
        if all(isinstance(v, int) for v in numbers):
            return round(statistics.median(numbers))
        return round(statistics.median(numbers), 3)
    if isinstance(first, dict):
        keys = list(dict.fromkeys(k for v in values if isinstance(v, dict) for k in v))
        return {k: merge_passes([v[k] for v in values if isinstance(v, dict) and k in v]) for k in keys}
    if isinstance(first, list):
        items = [item for v in values if isinstance(v, list) for item in v]
        if items and all(isinstance(i, int | float) and not isinstance(i, bool) for i in items):
            return items
        return list({json.dumps(i, sort_keys=True): i for i in items}.values())
    return first


def merge_cell(passes: list[dict[str, Any]], small: int, big: int) -> dict[str, Any]:
    cell: dict[str, Any] = merge_passes(passes)
    cell["passes"] = len(passes)
    cell["pass_values"] = {
        m.format(small=small, big=big): [dig(c, m.format(small=small, big=big)) for c in passes] for m in KEY_METRICS
    }
    cell["loadavg_1min"] = [c.get("loadavg_1min") for c in passes]
    return cell


def matrix(args: argparse.Namespace) -> int:
    root: Path = args.root
    results = root / "results"
    results.mkdir(parents=True, exist_ok=True)
    worker_args = [
        "--sizes",
        *map(str, args.sizes),
        "--queries",
        str(args.queries),
        "--repeats",
        str(args.repeats),
        "--fresh-runs",
        str(args.fresh_runs),
        "--seed",
        str(args.seed),
    ]
    names = [(python, python_tag(python), candidate) for python in args.pythons for candidate in args.candidates]
    cells: list[dict[str, Any]] = []
    small, big = min(args.sizes), max(args.sizes)
    if args.table_only:
        # Re-merge every saved pass (results/pass*/<cell>.json), so passes from several
        # invocations can be pooled; the cross-read result comes from the last merged file.
        for _python, tag, candidate in names:
            out = results / f"{tag}-{candidate}.json"
            passes = [
                json.loads(f.read_text(encoding="utf-8")) for f in sorted(results.glob(f"pass*/{tag}-{candidate}.json"))
            ]
            if passes:
                cell = merge_cell(passes, small, big)
                if out.exists():
                    cell["cross"] = json.loads(out.read_text(encoding="utf-8")).get("cross")
                out.write_text(json.dumps(cell, indent=2), encoding="utf-8")
                cells.append(cell)
    else:
        # Passes are interleaved (every cell once, then again), so a burst of load on the
        # machine spreads over all cells instead of landing on one; each metric is the median.
        runs: dict[str, list[dict[str, Any]]] = {}
        for p in range(1, args.passes + 1):
            (results / f"pass{p}").mkdir(exist_ok=True)
            for python, tag, candidate in names:
                print(f"[{time.strftime('%H:%M:%S')}] pass {p}: {tag}-{candidate} ...", file=sys.stderr, flush=True)
                load_before = os.getloadavg()[0]
                cell = run_cell(python, candidate, root, worker_args, args.reuse or p > 1)
                cell["loadavg_1min"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
                (results / f"pass{p}" / f"{tag}-{candidate}.json").write_text(
                    json.dumps(cell, indent=2), encoding="utf-8"
                )
                runs.setdefault(f"{tag}-{candidate}", []).append(cell)
        cells = [merge_cell(passes, small, big) for passes in runs.values()]
        cross_read(cells, root, args.seed)
        for cell in cells:
            (results / f"{cell['cell']}.json").write_text(json.dumps(cell, indent=2), encoding="utf-8")
    head, rows = table_rows(cells, args.sizes)
    table = render(head, rows)
    (results / "table.md").write_text(table + "\n", encoding="utf-8")
    print(table)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return child_main(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--matrix", action="store_true", help="make the venvs and run every interpreter x candidate")
    parser.add_argument("--table-only", action="store_true", help="with --matrix: only re-render saved results")
    parser.add_argument("--reuse", action="store_true", help="with --matrix: keep venvs that already exist")
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    parser.add_argument("--pythons", nargs="+", default=DEFAULT_PYTHONS)
    parser.add_argument("--candidates", nargs="+", default=DEFAULT_CANDIDATES)
    parser.add_argument("--sizes", nargs="+", type=int, default=[1000, 10000])
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3, help="builds per size for sizes <= 2000 (larger: 1)")
    parser.add_argument("--fresh-runs", type=int, default=5, help="fresh processes per measurement (median)")
    parser.add_argument("--passes", type=int, default=3, help="with --matrix: interleaved passes (median)")
    parser.add_argument("--seed", type=int, default=20261127)
    args = parser.parse_args(argv)
    if args.matrix:
        return matrix(args)
    result = worker(args.sizes, args.queries, args.repeats, args.fresh_runs, args.seed)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
