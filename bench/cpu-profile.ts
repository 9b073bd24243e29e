// Where the host's CPU went over a span of a benchmark: this process (the engine and, in the pipeline, the worker
// around it), the Temporal server, the Docker daemons, the containers, and the rest of the host. On a machine whose
// cores the model fills, every other CPU-second is one the model waits for; this says whose it was.
// Sampled once a second from /proc (cumulative counters, so a sample missed costs resolution, not accuracy); a
// span's figures are the difference between the samples nearest its ends. Processes are found by name, so a
// process that starts and ends between two samples (runc) lands in "rest of host"; what runs inside a container
// (its init, a docker exec) is counted through the containers' cgroup.
// Hand-written: reading a few /proc counters is smaller than any process-monitoring dependency, and those report
// percentages per process, not cumulative CPU time per group.
import { readdirSync, readFileSync } from 'node:fs';

const USER_HZ = 100;
const GROUPS = ['this process', 'Temporal server', 'Docker daemons', 'containers', 'rest of host', 'hypervisor steal'] as const;
type Group = (typeof GROUPS)[number];

interface CpuSample {
  /** Epoch milliseconds. */
  at: number;
  /** Cumulative CPU seconds per group (rest of host: host busy minus the other groups, derived at read time). */
  seconds: Record<Exclude<Group, 'rest of host' | 'hypervisor steal'>, number>;
  hostBusy: number;
  /** Time the hypervisor gave this machine's CPUs to others while it had work: a VM's noise, apart from its load. */
  stolen: number;
}

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * One process's own CPU time (utime + stime, not its reaped children's: a containerd shim reaps the container's
 * processes, whose time the containers' cgroup already counts), its start time (with the pid, a key no later
 * process reuses) and its command name.
 */
function processCpu(pid: string): { key: string; name: string; seconds: number; cmdline: string } | null {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return null;
  const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { key: `${pid}@${f[19]}`, name, seconds: (Number(f[11]) + Number(f[12])) / USER_HZ, cmdline: (read(`/proc/${pid}/cmdline`) ?? '').replace(/\0/g, ' ') };
}

/** Host CPU seconds busy (user, nice, system, irq, softirq) and stolen, from /proc/stat's aggregate line. */
function hostSeconds(): { busy: number; stolen: number } {
  const line = (read('/proc/stat') ?? '').split('\n').find((l) => l.startsWith('cpu ')) ?? 'cpu 0 0 0 0';
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1, 9).map(Number);
  return { busy: (user + nice + system + irq + softirq) / USER_HZ, stolen: steal / USER_HZ };
}

/**
 * The containers' CPU seconds, by cgroup: the Docker parent group where there is one (cgroupfs driver, v1 or v2: it
 * keeps the time of containers since removed), else each container's own systemd scope (v2 with the systemd driver).
 * Null when none is readable.
 */
function containerCgroups(): Map<string, number> | null {
  const v1 = read('/sys/fs/cgroup/cpuacct/docker/cpuacct.usage');
  if (v1) return new Map([['docker', Number(v1) / 1e9]]);
  const usage = (path: string) => {
    const m = read(path)?.match(/^usage_usec (\d+)/m);
    return m ? Number(m[1]) / 1e6 : null;
  };
  const parent = usage('/sys/fs/cgroup/docker/cpu.stat');
  if (parent !== null) return new Map([['docker', parent]]);
  const scopes = list('/sys/fs/cgroup/system.slice').filter((d) => /^docker-[0-9a-f]+\.scope$/.test(d));
  if (scopes.length === 0) return list('/sys/fs/cgroup/system.slice').length > 0 ? new Map() : null;
  return new Map(scopes.map((d) => [d, usage(`/sys/fs/cgroup/system.slice/${d}/cpu.stat`) ?? 0]));
}

/**
 * Cumulative CPU seconds per group. Each process and container cgroup keeps the last time it was seen with, so one
 * that ends (a shim, a removed container's scope) takes its time along only from the moment it ends unseen.
 */
class Tally {
  private readonly last = new Map<string, { group: keyof CpuSample['seconds']; seconds: number }>();
  containersReadable = true;

  sample(): CpuSample {
    const own = process.cpuUsage();
    this.last.set('self', { group: 'this process', seconds: (own.user + own.system) / 1e6 });
    for (const pid of list('/proc')) {
      if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
      const p = processCpu(pid);
      if (!p) continue;
      if (p.name === 'temporal' || /temporal\S* server start-dev/.test(p.cmdline)) this.last.set(p.key, { group: 'Temporal server', seconds: p.seconds });
      else if (p.name === 'dockerd' || p.name === 'containerd' || p.name.startsWith('containerd-shim')) this.last.set(p.key, { group: 'Docker daemons', seconds: p.seconds });
    }
    const cgroups = containerCgroups();
    if (cgroups === null) this.containersReadable = false;
    for (const [name, seconds] of cgroups ?? []) this.last.set(`cgroup:${name}`, { group: 'containers', seconds });
    const seconds = { 'this process': 0, 'Temporal server': 0, 'Docker daemons': 0, containers: 0 };
    for (const { group, seconds: n } of this.last.values()) seconds[group] += n;
    const host = hostSeconds();
    return { at: Date.now(), seconds, hostBusy: host.busy, stolen: host.stolen };
  }
}

export class CpuProfile {
  private readonly tally = new Tally();
  private readonly samples: CpuSample[] = [this.tally.sample()];
  private readonly timer = setInterval(() => this.samples.push(this.tally.sample()), 1000).unref();

  stop(): void {
    clearInterval(this.timer);
    this.samples.push(this.tally.sample());
  }

  /** Whether the containers' cgroup could be read; without it their time is in "rest of host". */
  get containersReadable(): boolean {
    return this.tally.containersReadable;
  }

  /** Cores used by each group between two epoch times (the samples nearest them), and the span they cover. */
  between(fromMs: number, toMs: number): { cores: Record<Group, number>; spanMs: number } {
    const nearest = (t: number) => this.samples.reduce((best, s) => (Math.abs(s.at - t) < Math.abs(best.at - t) ? s : best));
    const a = nearest(fromMs);
    const b = nearest(toMs);
    const span = Math.max(1, b.at - a.at) / 1000;
    const used = (g: keyof CpuSample['seconds']) => Math.max(0, b.seconds[g] - a.seconds[g]);
    const known = used('this process') + used('Temporal server') + used('Docker daemons') + used('containers');
    const cores = {
      'this process': used('this process') / span,
      'Temporal server': used('Temporal server') / span,
      'Docker daemons': used('Docker daemons') / span,
      containers: used('containers') / span,
      'rest of host': Math.max(0, b.hostBusy - a.hostBusy - known) / span,
      'hypervisor steal': Math.max(0, b.stolen - a.stolen) / span,
    };
    return { cores, spanMs: b.at - a.at };
  }

  /** One line per group: cores used in each named span, side by side. */
  static table(spans: Array<{ name: string; cores: Record<Group, number> }>): string {
    const head = ['cores used'.padEnd(16), ...spans.map((s) => s.name.padStart(28))].join('');
    const rows = GROUPS.map((g) => [g.padEnd(16), ...spans.map((s) => s.cores[g].toFixed(2).padStart(28))].join(''));
    const total = ['all'.padEnd(16), ...spans.map((s) => GROUPS.reduce((n, g) => n + s.cores[g], 0).toFixed(2).padStart(28))].join('');
    return [head, ...rows, total].join('\n');
  }
}
