"""Load a TraceReplay output folder into pandas DataFrames.

Reads TABLE.parquet when pyarrow is importable, else TABLE.csv; also the Hive layout
TABLE/trace=NAME/part.parquet|part.csv. A table that is absent or has no rows comes back as an
empty frame with the contract's columns (docs/reports.md), so notebook cells never fail on zero rows.

The output folder is TRACEREPLAY_OUT, or ../out relative to the working directory (the notebooks/
folder when a notebook runs).
"""
import glob
import os
import re
import urllib.parse

import pandas as pd

try:
    import pyarrow  # noqa: F401  (only needed for Parquet)
    HAVE_PYARROW = True
except ImportError:
    HAVE_PYARROW = False

# Column contract of every table (name -> [(column, type)]); type is one of
# str, int (nullable Int64), uint (kernel address: Python int, exact), bool (nullable), float.
SCHEMAS = {
    "summary": [("trace", "str"), ("format", "str"), ("variant", "str"), ("compression", "str"),
                ("status", "str"), ("error", "str"), ("kernel", "str"), ("events", "int"), ("cpus", "int"),
                ("first_ns", "int"), ("last_ns", "int"), ("lost_events", "int"), ("lost_markers", "int"),
                ("parse_errors", "int"), ("unsafe_frees", "int"), ("lock_findings", "int"),
                ("rcu_barriers", "int"), ("rcu_barrier_excess", "int"), ("anomalies", "int"),
                ("context_mismatches", "int"), ("lockdep_reports", "int")],
    "ingest_errors": [("trace", "str"), ("line", "int"), ("byte_offset", "int"), ("reason", "str"), ("excerpt", "str")],
    "contexts": [("trace", "str"), ("cpu", "int"), ("start_ns", "int"), ("end_ns", "int"), ("kind", "str"),
                 ("detail", "str"), ("pid", "int"), ("comm", "str"), ("uncertain", "bool")],
    "context_mismatches": [("trace", "str"), ("ts_ns", "int"), ("cpu", "int"), ("line", "int"),
                           ("source_flags", "str"), ("source_events", "str"), ("detail", "str")],
    "work_items": [("trace", "str"), ("work", "uint"), ("function", "str"), ("workqueue", "str"),
                   ("queued_ns", "int"), ("queued_cpu", "int"), ("queued_context", "str"), ("activated_ns", "int"),
                   ("start_ns", "int"), ("end_ns", "int"), ("cpu", "int"), ("pid", "int"), ("comm", "str"),
                   ("queue_latency_ns", "int"), ("run_ns", "int")],
    "lifetimes": [("trace", "str"), ("kind", "str"), ("key", "str"), ("created_ns", "int"), ("offlined_ns", "int"),
                  ("released_ns", "int"), ("freed_ns", "int"), ("free_cpu", "int"), ("free_context", "str"),
                  ("free_comm", "str"), ("free_function", "str"), ("status", "str")],
    "lifetime_stages": [("trace", "str"), ("kind", "str"), ("key", "str"), ("stage", "str"), ("ts_ns", "int"),
                        ("cpu", "int"), ("context", "str"), ("pid", "int"), ("comm", "str"), ("function", "str"),
                        ("work", "uint")],
    "cache_stats": [("trace", "str"), ("cache", "str"), ("allocs", "int"), ("frees", "int"), ("live_objects", "int"),
                    ("live_bytes", "int"), ("created_ns", "int"), ("destroyed_ns", "int")],
    "lock_usage": [("trace", "str"), ("lock_class", "str"), ("usage", "str"), ("usage_bit", "str"),
                   ("acquisitions", "int"), ("inferred", "bool"), ("first_ts_ns", "int"), ("first_cpu", "int"),
                   ("first_pid", "int"), ("first_comm", "str"), ("first_context", "str"),
                   ("first_function", "str"), ("first_line", "int")],
    "lock_findings": [("trace", "str"), ("kind", "str"), ("lock_class", "str"), ("usage_from", "str"),
                      ("usage_to", "str"), ("ts_ns", "int"), ("cpu", "int"), ("other_ts_ns", "int"),
                      ("other_cpu", "int"), ("evidence", "str")],
    "unsafe_frees": [("trace", "str"), ("ts_ns", "int"), ("cpu", "int"), ("pid", "int"), ("comm", "str"),
                     ("context", "str"), ("object_kind", "str"), ("object_key", "str"), ("rule", "str"),
                     ("lock_class", "str"), ("conflict_ts_ns", "int"), ("conflict_cpu", "int"),
                     ("conflict_context", "str"), ("evidence", "str"), ("line", "int")],
    "rcu_barriers": [("trace", "str"), ("op", "str"), ("op_key", "str"), ("start_ns", "int"), ("end_ns", "int"),
                     ("cpu", "int"), ("pid", "int"), ("caches_destroyed", "int"), ("rcu_caches", "int"),
                     ("barrier_count", "int"), ("barrier_ns", "int"), ("verdict", "str")],
    "anomalies": [("trace", "str"), ("kind", "str"), ("object_kind", "str"), ("object_key", "str"),
                  ("ts_ns", "int"), ("cpu", "int"), ("detail", "str"), ("first_ns", "int")],
    "lockdep_reports": [("trace", "str"), ("source", "str"), ("line", "int"), ("kind", "str"), ("title", "str"),
                        ("kernel", "str"), ("task", "str"), ("pid", "int"), ("hc", "int"), ("sc", "int"),
                        ("he", "int"), ("se", "int"), ("usage_from", "str"), ("usage_to", "str"),
                        ("lock_class", "str"), ("corrupted", "bool")],
    "lockdep_locks": [("trace", "str"), ("report", "int"), ("role", "str"), ("class", "str"), ("usage", "str"),
                      ("wait_type", "str"), ("address", "uint"), ("at_function", "str")],
    "lockdep_frames": [("trace", "str"), ("report", "int"), ("section", "str"), ("depth", "int"),
                       ("function", "str"), ("offset", "int"), ("size", "int"), ("module", "str"),
                       ("unreliable", "bool"), ("context_marker", "str")],
    "lockdep_held_locks": [("trace", "str"), ("report", "int"), ("task", "str"), ("pid", "int"), ("index", "int"),
                           ("class", "str"), ("address", "uint"), ("at_function", "str")],
}


def out_dir(path=None):
    """The output folder: the argument, TRACEREPLAY_OUT, or ../out."""
    return os.path.abspath(path or os.environ.get("TRACEREPLAY_OUT") or os.path.join("..", "out"))


def _files(folder, table, ext):
    single = os.path.join(folder, f"{table}.{ext}")
    parts = sorted(glob.glob(os.path.join(folder, table, "trace=*", f"part.{ext}")))
    return ([single] if os.path.isfile(single) else []) + parts


def _read_csv(path, types):
    # Everything as text first: kernel addresses exceed int64 and empty cells are nulls.
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])


def _read_one(path, ext, types):
    df = pd.read_parquet(path) if ext == "parquet" else _read_csv(path, types)
    if "trace" not in df.columns:  # Hive partition files may leave the partition column to the folder name
        m = re.search(r"trace=([^/\\]+)", path)
        df.insert(0, "trace", urllib.parse.unquote(m.group(1)) if m else None)
    return df


def _to_uint(v):
    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA:
        return None
    s = str(v)
    return int(s, 16) if s.lower().startswith("0x") else int(s)


def _cast(df, types):
    for col, kind in types.items():
        if col not in df.columns:
            continue
        s = df[col]
        if kind == "int":
            df[col] = pd.to_numeric(s, errors="coerce").astype("Int64")
        elif kind == "float":
            df[col] = pd.to_numeric(s, errors="coerce").astype("float64")
        elif kind == "bool":
            df[col] = s.map(lambda v: None if v is None or (isinstance(v, float) and pd.isna(v))
                            else (v if isinstance(v, bool) else str(v).lower() == "true")).astype("boolean")
        elif kind == "uint":
            df[col] = s.map(_to_uint).astype(object)
        else:
            df[col] = s.astype(object).where(s.notna(), None)
    return df


def load(table, folder=None):
    """One table as a DataFrame (empty, with the contract's columns, when absent)."""
    folder = out_dir(folder)
    schema = SCHEMAS.get(table, [])
    types = dict(schema)
    ext = "parquet" if HAVE_PYARROW and _files(folder, table, "parquet") else "csv"
    frames = [_read_one(p, ext, types) for p in _files(folder, table, ext)]
    frames = [f for f in frames if len(f.columns)]
    if frames:
        df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    else:
        return empty(table)
    for c, _ in schema:  # a table written by an older build may lack a newer column
        if c not in df.columns:
            df[c] = pd.Series([None] * len(df), dtype=object)
    return _cast(df, types)


def tables(folder=None):
    """Names of the tables present in the folder."""
    folder = out_dir(folder)
    names = set()
    for p in glob.glob(os.path.join(folder, "*.csv")) + glob.glob(os.path.join(folder, "*.parquet")):
        names.add(os.path.splitext(os.path.basename(p))[0])
    for d in glob.glob(os.path.join(folder, "*", "trace=*")):
        names.add(os.path.basename(os.path.dirname(d)))
    return sorted(n for n in names if not n.startswith("."))


def load_all(folder=None):
    """Every contract table plus any other table present, by name."""
    return {t: load(t, folder) for t in sorted(set(SCHEMAS) | set(tables(folder)))}


def kernel_version(name):
    """The kernel version a synthetic scenario's trace name carries (memcg-free-3.18.txt -> '3.18'), else None."""
    m = re.search(r"(?<![\d.])(\d+\.\d+)(?:\.\d+)?(?![\d])", os.path.basename(str(name)))
    return m.group(1) if m else None


def version_key(v):
    return tuple(int(x) for x in str(v).split(".")) if v else ()


def say_empty(df, what):
    """Prints the standard line for an empty result; returns True when df is empty."""
    if df is None or len(df) == 0:
        print(f"no {what} in this output folder")
        return True
    return False


def ns_to_ms(v):
    return v / 1e6


def scenario_name(trace):
    """A trace's name without its kernel version, so before/after traces of one scenario group together."""
    base = os.path.basename(str(trace))
    v = kernel_version(base)
    if v:
        base = re.sub(r"[-_.]?" + re.escape(v) + r"(?:\.\d+)?(?![\d])", "", base, count=1)
    return re.sub(r"(\.(txt|dat|gz|zst|log|trace))+$", "", base) or str(trace)


def save(fig, name):
    """Also writes the figure as NAME.png into TRACEREPLAY_FIGDIR when that is set (for looking at plots outside Jupyter)."""
    folder = os.environ.get("TRACEREPLAY_FIGDIR")
    if folder:
        os.makedirs(folder, exist_ok=True)
        fig.savefig(os.path.join(folder, name + ".png"), dpi=100, bbox_inches="tight")


def empty(table):
    """An empty frame with the table's contract columns and types."""
    return _cast(pd.DataFrame({c: pd.Series([], dtype=object) for c, _ in SCHEMAS.get(table, [])}), dict(SCHEMAS.get(table, [])))
