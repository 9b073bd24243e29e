// The seccomp profile every sandbox runs under, pinned here instead of left to the Docker daemon's default (which
// differs between Docker versions and can be switched off daemon-wide). It denies the kernel interfaces an agent
// without capabilities could still reach to attack the host: namespaces (user namespaces above all), mounts and the
// new mount API, keyrings, BPF, io_uring, ptrace and cross-process memory access, perf, userfaultfd, module and
// kexec loading, clocks, swap, reboot, accounting, quotas and NUMA policy.
//
// Hand-written as a deny list over an allow default: the sandbox already drops every capability, sets
// no-new-privileges, mounts the root read-only and has no network, so what is left to remove is exactly this
// attack surface, and a deny list cannot break the interpreters and tools the packages run (an allow list of
// several hundred syscalls written here would, the first time a library uses one it lacks).
import type Docker from 'dockerode';

const EPERM = 1;
const ENOSYS = 38;

/** Denied outright (EPERM). */
export const DENIED_SYSCALLS = [
  // namespaces and container escapes
  'unshare', 'setns', 'pivot_root', 'chroot',
  // mounts, old and new API
  'mount', 'umount', 'umount2', 'mount_setattr', 'move_mount', 'open_tree', 'fsopen', 'fsconfig', 'fsmount', 'fspick',
  // file handles (the "shocker" escape)
  'open_by_handle_at', 'name_to_handle_at',
  // keyrings
  'add_key', 'request_key', 'keyctl',
  // BPF, perf, io_uring, userfaultfd
  'bpf', 'perf_event_open', 'io_uring_setup', 'io_uring_enter', 'io_uring_register', 'userfaultfd',
  // other processes' memory
  'ptrace', 'process_vm_readv', 'process_vm_writev', 'kcmp', 'process_madvise', 'pidfd_getfd',
  // kernel modules and kexec
  'init_module', 'finit_module', 'delete_module', 'create_module', 'query_module', 'get_kernel_syms',
  'kexec_load', 'kexec_file_load',
  // clocks, host name, swap, reboot, accounting, quotas, syslog
  'settimeofday', 'clock_settime', 'clock_adjtime', 'adjtimex', 'stime', 'sethostname', 'setdomainname',
  'swapon', 'swapoff', 'reboot', 'acct', 'quotactl', 'quotactl_fd', 'syslog', 'vhangup',
  // I/O ports, NUMA policy, obsolete or debugging interfaces
  'iopl', 'ioperm', 'mbind', 'set_mempolicy', 'migrate_pages', 'move_pages', 'lookup_dcookie', 'nfsservctl',
  'uselib', 'ustat', 'sysfs', '_sysctl', 'vm86', 'vm86old',
] as const;

/** clone flags that create a namespace: clone() with any of them is denied (fork and threads stay allowed). */
export const NAMESPACE_CLONE_FLAGS = {
  CLONE_NEWNS: 0x00020000,
  CLONE_NEWCGROUP: 0x02000000,
  CLONE_NEWUTS: 0x04000000,
  CLONE_NEWIPC: 0x08000000,
  CLONE_NEWUSER: 0x10000000,
  CLONE_NEWPID: 0x20000000,
  CLONE_NEWNET: 0x40000000,
} as const;

function architectures(): string[] {
  if (process.arch === 'arm64') return ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'];
  return ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'];
}

export function seccompProfile() {
  return {
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures: architectures(),
    syscalls: [
      { names: [...DENIED_SYSCALLS], action: 'SCMP_ACT_ERRNO', errnoRet: EPERM },
      // clone3 passes its flags in memory, where seccomp cannot look: ENOSYS makes the C library fall back to clone.
      { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS },
      // One rule per flag: seccomp compares masked values for equality, so "any of these bits" is one rule each.
      ...Object.values(NAMESPACE_CLONE_FLAGS).map((flag) => ({
        names: ['clone'],
        action: 'SCMP_ACT_ERRNO',
        errnoRet: EPERM,
        args: [{ index: 0, value: flag, valueTwo: flag, op: 'SCMP_CMP_MASKED_EQ' }],
      })),
    ],
  };
}

/** The profile as Docker's API takes it: the JSON text itself (the CLI's `--security-opt seccomp=FILE` reads the file). */
export function seccompSecurityOpt(): Docker.HostConfig['SecurityOpt'] {
  return [`seccomp=${JSON.stringify(seccompProfile())}`];
}
