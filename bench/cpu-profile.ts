// Where the host's CPU went over a span of a benchmark: this process (the engine and, in the pipeline, the worker
// around it), the Temporal server, the Docker daemons, the containers, and the rest of the host. On a machine whose
// cores the model fills, every other CPU-second is one the model waits for; this says whose it was.
// Sampled once a second from /proc (cumulative counters, so a sample missed costs resolution, not accuracy); a
// span's figures are the difference between the samples nearest its ends. Processes are found by name, so a
// process that starts and ends between two samples (runc, a container's short command) lands in "rest of host"
// unless its CPU time is reaped into a daemon counted here or into the containers' cgroup.
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

/** utime + stime + reaped children's, in seconds, and the command name, of one process. */
function processCpu(pid: string): { name: string; seconds: number; cmdline: string } | null {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return null;
  const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  return { name, seconds: ticks / USER_HZ, cmdline: (read(`/proc/${pid}/cmdline`) ?? '').replace(/\0/g, ' ') };
}

/** Host CPU seconds busy (user, nice, system, irq, softirq) and stolen, from /proc/stat's aggregate line. */
function hostSeconds(): { busy: number; stolen: number } {
  const line = (read('/proc/stat') ?? '').split('\n').find((l) => l.startsWith('cpu ')) ?? 'cpu 0 0 0 0';
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1, 9).map(Number);
  return { busy: (user + nice + system + irq + softirq) / USER_HZ, stolen: steal / USER_HZ };
}

/** The Docker cgroup's CPU time (cgroup v1 cpuacct, or v2 cpu.stat), in seconds; 0 when neither is readable. */
function containersSeconds(): number {
  const v1 = read('/sys/fs/cgroup/cpuacct/docker/cpuacct.usage');
  if (v1) return Number(v1) / 1e9;
  for (const path of ['/sys/fs/cgroup/system.slice/docker.slice/cpu.stat', '/sys/fs/cgroup/docker/cpu.stat']) {
    const v2 = read(path)?.match(/^usage_usec (\d+)/m);
    if (v2) return Number(v2[1]) / 1e6;
  }
  return 0;
}

function sample(): CpuSample {
  const seconds = { 'this process': 0, 'Temporal server': 0, 'Docker daemons': 0, containers: containersSeconds() };
  const own = process.cpuUsage();
  seconds['this process'] = (own.user + own.system) / 1e6;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    const p = processCpu(pid);
    if (!p) continue;
    if (p.name === 'temporal' || /temporal\S* server start-dev/.test(p.cmdline)) seconds['Temporal server'] += p.seconds;
    else if (p.name === 'dockerd' || p.name === 'containerd' || p.name.startsWith('containerd-shim')) seconds['Docker daemons'] += p.seconds;
  }
  const host = hostSeconds();
  return { at: Date.now(), seconds, hostBusy: host.busy, stolen: host.stolen };
}

export class CpuProfile {
  private readonly samples: CpuSample[] = [sample()];
  private readonly timer = setInterval(() => this.samples.push(sample()), 1000).unref();

  stop(): void {
    clearInterval(this.timer);
    this.samples.push(sample());
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
