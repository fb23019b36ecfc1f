/**
 * The API process pathmon injects into ExaBGP's configuration. ExaBGP writes its JSON to this process's
 * stdin and starts it with close_fds, so only fds 0-2 reach it; its stderr is ExaBGP's stderr, which is
 * the pipe pathmon reads. So the forwarder copies stdin to stderr and nothing else. It never writes to or
 * closes its stdout: ExaBGP reads EOF there as the helper dying and, after a few respawns, gives up.
 *
 * It is also what takes ExaBGP down when pathmon dies without cleaning up (SIGKILL, OOM): the read end of
 * the stderr pipe then closes, poll() reports POLLERR on fd 2 (or a write fails with EPIPE), and the
 * forwarder sends SIGTERM to ExaBGP, then SIGKILL 2 s later, because ExaBGP stuck in its MT-ID decoder
 * loop ignores SIGTERM. Python, because it is ExaBGP's own interpreter and so is always there.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const FORWARDER_PYTHON = '/usr/bin/python3';

export const FORWARDER_SOURCE = `# pathmon's ExaBGP API process: stdin -> stderr; takes ExaBGP down when pathmon is gone.
import os, select, signal, sys, time

PARENT = os.getppid()

def parent_alive():
    try:
        with open('/proc/%d/stat' % PARENT) as f:
            state = f.read().rsplit(')', 1)[1].split()[0]
        return state not in ('Z', 'X')
    except (OSError, IndexError):
        return False

def stop_parent():
    try:
        os.kill(PARENT, signal.SIGTERM)
    except OSError:
        os._exit(0)
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        if not parent_alive():
            os._exit(0)
        time.sleep(0.05)
    try:
        os.kill(PARENT, signal.SIGKILL)
    except OSError:
        pass
    os._exit(0)

def write_all(data):
    view = memoryview(data)
    while view:
        try:
            n = os.write(2, view)
        except BrokenPipeError:
            stop_parent()
        except InterruptedError:
            continue
        view = view[n:]

poller = select.poll()
poller.register(0, select.POLLIN | select.POLLHUP | select.POLLERR)
poller.register(2, 0)  # POLLERR and POLLHUP are always reported: the reader (pathmon) is gone
while True:
    if os.getppid() != PARENT:
        os._exit(0)  # ExaBGP is gone already
    for fd, events in poller.poll(1000):
        if fd == 2 and events & (select.POLLERR | select.POLLHUP):
            stop_parent()
        if fd == 0:
            try:
                data = os.read(0, 65536)
            except InterruptedError:
                continue
            if not data:
                os._exit(0)  # ExaBGP closed our stdin: it is shutting down
            write_all(data)
`;

/** Writes the forwarder into `dir`; returns the `run` command line for ExaBGP's process block. */
export function writeForwarder(dir: string): string {
  const path = join(dir, 'pathmon-forwarder.py');
  writeFileSync(path, FORWARDER_SOURCE);
  chmodSync(path, 0o755);
  return `${FORWARDER_PYTHON} ${path}`;
}
