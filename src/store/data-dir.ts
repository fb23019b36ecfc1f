/**
 * Checks a PGlite data directory before anything slow touches it, so a path that can never hold a
 * database fails in milliseconds with a StoreError naming the path and what was expected.
 *
 * Why this exists: Node's `mkdirSync(p, { recursive: true })` loops forever at full CPU when the
 * parent exists but cannot hold children: mkdir("/proc/nope/db") says ENOENT, so the native walk steps
 * back to mkdir("/proc/nope") (ENOENT again), then "/proc" (EEXIST), then forward to "/proc/nope"
 * (ENOENT) … without end. procfs, sysfs and a dangling symlink all have that shape; `pathmon report
 * --data-dir /proc/nope` spun for ten minutes in it. So nothing here uses the recursive flag: the
 * nearest existing ancestor is found with stat, judged (a directory? on a real filesystem? writable?),
 * and only the missing components are created, one non-recursive mkdir each, whose errors are final.
 *
 * Write mode (`pathmon run`) may create the directory; read mode (`report`, `history`, `localize`)
 * never creates anything and wants a directory PGlite already initialised (it has `PG_VERSION`).
 */
import { accessSync, constants as fsConstants, lstatSync, mkdirSync, readdirSync, statSync, statfsSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import { StoreError } from './store-error.js';

/** The file PostgreSQL (and so PGlite) writes first into a data directory it initialised. */
export const PG_VERSION_FILE = 'PG_VERSION';

/**
 * Kernel pseudo-filesystems (statfs f_type) that can never hold a database: mkdir there fails (or, with
 * the recursive flag, never returns), and a write would reach the kernel rather than a disk.
 */
const PSEUDO_FILESYSTEMS = new Map<number, string>([
  [0x9fa0, 'procfs'],
  [0x62656572, 'sysfs'],
  [0x27e0eb, 'cgroupfs'],
  [0x63677270, 'cgroup2'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0x1cd1, 'devpts'],
  [0xcafe4a11, 'bpf'],
  [0x6165676c, 'pstore'],
  [0x62656570, 'configfs'],
  [0x65735543, 'fusectl'],
]);

function badDir(description: string, message: string, caller = 'store.openStore'): StoreError {
  return new StoreError('bad-data-dir', description, `${caller}: ${description}: ${message}`);
}

/** stat that returns null for "nothing there" (including a dangling symlink) and throws the rest. */
function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // ENOTDIR: a parent is a file, so nothing can be here; the walk up names that parent.
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw err;
  }
}

/** lstat that returns null when nothing is there. */
function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw err;
  }
}

/** What kind of thing `stats` is, in words for an error message. */
function kindOf(stats: Stats): string {
  if (stats.isFile()) return 'a regular file';
  if (stats.isSymbolicLink()) return 'a symbolic link';
  if (stats.isSocket()) return 'a socket';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'not a directory';
}

/**
 * Throws when `path` (an existing directory) lies on a kernel pseudo-filesystem. statfs may be
 * unavailable (old kernels, exotic platforms): then the later mkdir or PGlite itself reports.
 */
function checkRealFilesystem(path: string, description: string, caller?: string): void {
  let type: number;
  try {
    type = Number(statfsSync(path).type);
  } catch {
    return;
  }
  const name = PSEUDO_FILESYSTEMS.get(type);
  if (name !== undefined) {
    throw badDir(description, `${path} is on ${name}, a kernel pseudo-filesystem; expected a directory on a disk (or tmpfs) that can hold a database`, caller);
  }
}

/**
 * Judges `path` itself when something exists there: a directory (possibly through a symlink) is fine;
 * a dangling symlink, a regular file or anything else is not. Returns true when it is a directory,
 * false when nothing exists at all.
 */
function existingDirectory(path: string, description: string, caller?: string): boolean {
  const link = lstatOrNull(path);
  if (link === null) return false;
  let target: Stats | null;
  try {
    target = statOrNull(path);
  } catch (err) {
    throw badDir(description, `${path} cannot be examined (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); expected a directory pathmon can read`, caller);
  }
  if (target === null) {
    throw badDir(description, `${path} is a symbolic link to a target that does not exist; expected a directory (or a link to one)`, caller);
  }
  if (!target.isDirectory()) {
    throw badDir(description, `${path} is ${kindOf(target)}; expected a directory`, caller);
  }
  return true;
}

/**
 * Creates `dir` and any missing parents without Node's recursive mkdir (see the opening comment), after
 * checking that the nearest existing ancestor is a writable directory on a real filesystem. Every
 * failure is a StoreError 'bad-data-dir' naming the path; nothing here can loop. Use it, not the recursive
 * flag, for any directory a user names (`caller` starts the message, e.g. 'pathmon run').
 */
export function makeDirectory(dir: string, description: string, caller = 'store.openStore'): void {
  const missing: string[] = [];
  let current = dir;
  for (;;) {
    if (existingDirectory(current, description, caller)) break;
    missing.unshift(current);
    const parent = dirname(current);
    if (parent === current) throw badDir(description, `no part of ${dir} exists; expected an existing parent directory`, caller);
    current = parent;
  }
  checkRealFilesystem(current, description, caller);
  if (missing.length === 0) return;
  try {
    accessSync(current, fsConstants.W_OK | fsConstants.X_OK);
  } catch {
    throw badDir(description, `cannot create ${missing[0]}: ${current} is not writable by this user; expected a directory pathmon may create its data directory in`, caller);
  }
  for (const path of missing) {
    try {
      mkdirSync(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // Another process creating the same directory at the same moment is not a failure.
      if (code === 'EEXIST' && statOrNull(path)?.isDirectory()) continue;
      throw badDir(description, `cannot create ${path} (${code ?? (err as Error).message}); expected a place where a directory can be created`, caller);
    }
  }
}

/**
 * For `pathmon run`: `dir` exists or is created, is a writable directory on a real filesystem, and is
 * either empty (but for pathmon's lock) or already a PGlite data directory.
 */
export function prepareDataDirForWrite(dir: string, description: string, ignoredNames: readonly string[] = []): void {
  makeDirectory(dir, description);
  checkRealFilesystem(dir, description);
  try {
    accessSync(dir, fsConstants.R_OK | fsConstants.W_OK | fsConstants.X_OK);
  } catch {
    throw badDir(description, `${dir} is not readable and writable by this user; expected a data directory pathmon may write`);
  }
  checkIsDataDirOrEmpty(dir, description, ignoredNames);
}

/**
 * For read-only commands: `dir` must already be a PGlite data directory. Nothing is created, and the
 * message says what was found instead, so a mistyped --data-dir is obvious.
 */
export function checkDataDirForRead(dir: string, description: string): void {
  if (!existingDirectory(dir, description)) {
    // Say why it is missing when a parent is the problem (a file, a dangling link), else just that it is.
    for (let parent = dirname(dir); parent !== dirname(parent) && !existingDirectory(parent, description); parent = dirname(parent));
    throw badDir(description, `${dir} does not exist; expected a PGlite data directory written by \`pathmon run\` (check --data-dir, --db or the config's storage)`);
  }
  if (!isPgliteDataDir(dir)) {
    throw badDir(
      description,
      `${dir} is not a PGlite data directory (it has no ${PG_VERSION_FILE}); expected the data directory \`pathmon run\` writes (check --data-dir, --db or the config's storage)`,
    );
  }
}

/** True when `dir` holds an initialised PostgreSQL data directory. */
export function isPgliteDataDir(dir: string): boolean {
  return statOrNull(join(dir, PG_VERSION_FILE))?.isFile() ?? false;
}

/**
 * An existing directory that holds other things but no database is refused rather than filled: PGlite
 * would scatter forty-odd entries among someone's files, and a wrong --data-dir is the likelier story.
 */
function checkIsDataDirOrEmpty(dir: string, description: string, ignoredNames: readonly string[]): void {
  if (isPgliteDataDir(dir)) return;
  const others = readdirSync(dir).filter((name) => !ignoredNames.some((ignored) => name.startsWith(ignored)));
  if (others.length === 0) return;
  const shown = others.slice(0, 3).join(', ') + (others.length > 3 ? `, … (${others.length} entries)` : '');
  throw badDir(description, `${dir} holds other files (${shown}) but no PGlite database (no ${PG_VERSION_FILE}); expected an empty directory or a PGlite data directory`);
}
