"""``ember-run`` / ``python -m ember.distributed.run``: torchrun's interface over ``mpiexec``.

Single node::

    ember-run --nproc-per-node 2 train.py --epochs 3

Multi-node (one command, on one node; MPICH's hydra starts the remote ranks over ssh)::

    ember-run --nnodes 2 --nproc-per-node 4 --hosts node1,node2 train.py
    ember-run --nnodes 2 --nproc-per-node 4 --hostfile hosts.txt train.py

Each rank gets torchrun's environment (``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``,
``LOCAL_WORLD_SIZE``, ``GROUP_RANK``, ``MASTER_ADDR``, ``MASTER_PORT``).  SIGINT/SIGTERM
are forwarded to ``mpiexec``; an uncaught exception on any rank prints that rank's
traceback and aborts the whole job; the launcher exits non-zero when any rank failed and
names it.  ``--node-rank``/``--rdzv-*`` are accepted for compatibility: MPI starts every
node's ranks from the one command, so only node rank 0 launches.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile

from ._mpi import mpiexec_path


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ember-run", description=__doc__.split("\n")[0],
                                allow_abbrev=False)
    a = p.add_argument
    a("--nproc-per-node", "--nproc_per_node", dest="nproc_per_node", default="1")
    a("--nnodes", default="1")
    a("--node-rank", "--node_rank", dest="node_rank", type=int, default=0)
    a("--master-addr", "--master_addr", dest="master_addr", default="127.0.0.1")
    a("--master-port", "--master_port", dest="master_port", type=int, default=29500)
    a("--hosts", default=None, help="comma-separated hosts, passed to mpiexec -hosts")
    a("--hostfile", default=None, help="hostfile passed to mpiexec -f")
    a("--standalone", action="store_true")
    a("--rdzv-backend", "--rdzv_backend", dest="rdzv_backend", default=None)
    a("--rdzv-endpoint", "--rdzv_endpoint", dest="rdzv_endpoint", default=None)
    a("--rdzv-id", "--rdzv_id", dest="rdzv_id", default=None)
    a("--max-restarts", "--max_restarts", dest="max_restarts", type=int, default=0)
    a("--mpiexec-args", dest="mpiexec_args", default="",
      help="extra arguments for mpiexec (one string)")
    a("-m", "--module", dest="module", action="store_true",
      help="run the entry as a module (python -m)")
    a("--no-python", "--no_python", dest="no_python", action="store_true")
    a("training_script")
    a("training_script_args", nargs=argparse.REMAINDER)
    return p


def _nproc(v: str) -> int:
    if v in ("cpu", "auto"):
        return os.cpu_count() or 1
    return int(v)


def _nnodes(v: str) -> int:
    return int(str(v).split(":")[-1])


def build_command(args) -> tuple[list[str], dict]:
    nproc = _nproc(args.nproc_per_node)
    nnodes = _nnodes(args.nnodes)
    world = nproc * nnodes
    cmd = [mpiexec_path(), "-n", str(world)]
    if args.hosts:
        cmd += ["-hosts", args.hosts]
    if args.hostfile:
        cmd += ["-f", args.hostfile]
    if nnodes > 1:
        if not (args.hosts or args.hostfile):
            raise SystemExit("ember-run: --nnodes > 1 needs --hosts a,b or --hostfile: MPI "
                             "starts every node's ranks from one command")
        cmd += ["-ppn", str(nproc)]
    if args.mpiexec_args:
        cmd += args.mpiexec_args.split()
    env = dict(os.environ)
    env.update(MASTER_ADDR=str(args.master_addr), MASTER_PORT=str(args.master_port),
               EMBER_NPROC_PER_NODE=str(nproc))
    for k in ("MASTER_ADDR", "MASTER_PORT", "EMBER_NPROC_PER_NODE"):
        cmd += ["-genv", k, env[k]]
    if args.no_python:
        cmd += [args.training_script]
    else:
        cmd += [sys.executable, "-u", "-m", "ember.distributed._bootstrap"]
        if args.module:
            cmd += ["-m"]
        cmd += [args.training_script]
    cmd += list(args.training_script_args)
    return cmd, env


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    if args.node_rank != 0:
        print(f"ember-run: node rank {args.node_rank}: nothing to do, MPI starts this node's "
              "ranks from the node-rank-0 command (--hosts/--hostfile)", file=sys.stderr)
        return 0
    errdir = tempfile.mkdtemp(prefix="ember-run-")
    os.environ["EMBER_RUN_ERROR_DIR"] = errdir
    try:
        cmd, env = build_command(args)
        cmd[3:3] = ["-genv", "EMBER_RUN_ERROR_DIR", errdir]
        proc = subprocess.Popen(cmd, env=env)

        def forward(signum, frame):
            try:
                proc.send_signal(signum)
            except ProcessLookupError:
                pass
        old = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            rc = proc.wait()
        finally:
            for s, h in old.items():
                signal.signal(s, h)
        failed = sorted(f for f in os.listdir(errdir) if f.endswith(".err"))
        for f in failed:
            with open(os.path.join(errdir, f)) as fh:
                why = fh.read().strip()
            print(f"ember-run: rank {f[4:-4]} failed: {why}", file=sys.stderr)
        if rc != 0:
            if not failed:
                print(f"ember-run: job failed (mpiexec exit code {rc})", file=sys.stderr)
            return rc if rc > 0 else 128 - rc
        if failed:
            return 1
        return 0
    finally:
        shutil.rmtree(errdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
