import { readFileSync } from 'node:fs';

/** a process with this pid exists (a zombie — exited, not yet reaped by its parent — does too) */
export function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** the process runs: it exists and is not a zombie (Linux /proc; elsewhere, exists) */
export function running(pid: number): boolean {
  if (!exists(pid)) return false;
  try {
    // /proc/<pid>/stat: "pid (comm) S ..." — the state letter follows the last ')'
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}
