/** CPU time of processes on this machine, for the PostgreSQL bench. */
import { readFileSync } from 'node:fs';

/** User + system CPU time of a process, in ms, from `/proc/<pid>/stat` (`null` once it is gone). */
export function processCpuMs(pid: number, ticksPerSecond: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
  } catch {
    return null;
  }
}
