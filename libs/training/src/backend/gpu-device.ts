/**
 * Does this GPU have kernels in this libtensorflow? Checked at a GPU worker's start, before
 * libtensorflow is loaded: when the answer is "only after a JIT compile", that compile happens on
 * the first op and takes a long time (30 minutes and more on Hopper with TF 2.9's PTX,
 * tensorflow/tensorflow#60739), and the worker must have said why it is silent before it begins.
 *
 * The device comes from `nvidia-smi --query-gpu=name,compute_cap,driver_version
 * --format=csv,noheader` (field names: `nvidia-smi --help-query-gpu`). What the library carries
 * is recorded in the image (deploy/Dockerfile.worker-gpu): TF_CUDA_COMPUTE_CAPABILITIES, in
 * TensorFlow's build syntax (`sm_XY` = SASS, machine code; `compute_XY` = PTX, compiled by the
 * driver at run time), and TF_CUDA_VERSION, the CUDA it was built with. The decision is pure
 * (checkGpus); only runNvidiaSmi touches the machine.
 *
 * Compatibility rules (NVIDIA, CUDA C++ Programming Guide, "Binary Compatibility" and
 * "Application Compatibility"; restated in TensorFlow's .bazelrc beside
 * HERMETIC_CUDA_COMPUTE_CAPABILITIES):
 * - SASS for X.Y runs on X.Z for Z ≥ Y only (same major): sm_80 runs on 8.6 and 8.9, not on 9.0.
 * - PTX for X.Y is JIT-compiled by the driver for any capability ≥ X.Y, across majors: compute_90
 *   runs on Hopper 9.0 and Blackwell 10.0/12.0 after a compile.
 * - Arch-specific targets (`sm_90a`, `compute_90a`) run on exactly that capability.
 * - CUDA 12.x needs driver branch ≥ 525 (NVIDIA, "CUDA Compatibility", minor version
 *   compatibility, table 1). Minor version compatibility does not cover PTX JIT: a driver JITs
 *   only PTX of an ISA it knows, and TensorFlow emits the PTX ISA of its CUDA version
 *   (tensorflow/tensorflow#65448), so JIT needs the driver branch of that CUDA release
 *   (CUDA_12_DRIVER_BRANCH); an older one fails with cudaErrorUnsupportedPtxVersion.
 */
import { execFile } from 'node:child_process';

/** A CUDA compute capability (8.6 = { major: 8, minor: 6 }), or a CUDA version (12.5). */
export interface ComputeCapability {
  major: number;
  minor: number;
}

/** One GPU as nvidia-smi lists it (index = its line, = CUDA's device order unless reordered). */
export interface GpuDevice {
  index: number;
  name: string;
  /** Undefined when nvidia-smi cannot give it (`[N/A]`, or a driver without the field). */
  computeCapability?: ComputeCapability;
  driverVersion: string;
}

/** One entry of TF_CUDA_COMPUTE_CAPABILITIES: `sm_XY[a]` (SASS) or `compute_XY[a]` (PTX). */
export interface KernelTarget {
  kind: 'sass' | 'ptx';
  cc: ComputeCapability;
  /** `a` suffix: runs on exactly this capability, never forward. */
  archSpecific: boolean;
  label: string;
}

/** What the image's libtensorflow was built for (parseLibtensorflowBuild). */
export interface LibtensorflowBuild {
  targets: readonly KernelTarget[];
  /** The targets as recorded, for messages. */
  targetsText: string;
  cudaVersion: ComputeCapability;
}

/** The outcome of one nvidia-smi run: its stdout, or why there is none. */
export type NvidiaSmiResult = { status: 'ok'; stdout: string } | { status: 'not-found' } | { status: 'failed'; output: string };

/**
 * ok: SASS for the device. jit: only PTX, compiled at the first start. no-kernels: nothing that
 * can run on it. driver-too-old: the driver cannot run CUDA 12, or cannot JIT this PTX. no-gpu:
 * no nvidia-smi, or it found no driver. unknown: the build or the capability is not known.
 */
export type GpuVerdict = 'ok' | 'jit' | 'no-kernels' | 'driver-too-old' | 'no-gpu' | 'unknown';

/** One line for the worker's log, at `level`. */
export interface GpuCheck {
  verdict: GpuVerdict;
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  device?: GpuDevice;
}

export const NVIDIA_SMI_QUERY = ['--query-gpu=name,compute_cap,driver_version', '--format=csv,noheader'] as const;
/** For drivers whose nvidia-smi predates the compute_cap field (it answers "not a valid field"). */
export const NVIDIA_SMI_FALLBACK_QUERY = ['--query-gpu=name,driver_version', '--format=csv,noheader'] as const;

/** CUDA 12.x needs at least this driver branch (NVIDIA, "CUDA Compatibility", table 1: ">= 525"). */
export const CUDA_12_MIN_DRIVER_BRANCH = 525;

/**
 * The driver branch that shipped with each CUDA 12 minor release (CUDA Toolkit Release Notes,
 * "CUDA Toolkit and Corresponding Driver Versions"): the oldest driver whose JIT reads that
 * release's PTX. A minor not listed is not checked.
 */
export const CUDA_12_DRIVER_BRANCH: Readonly<Record<number, number>> = { 0: 525, 1: 530, 2: 535, 3: 545, 4: 550, 5: 555, 6: 560, 8: 570, 9: 575 };

const JIT_WARNING =
  'expect the first start to take a long time (30 minutes and more have been reported, tensorflow/tensorflow#60739), ' +
  'with the worker silent until its backend is up; the compiled kernels are cached in CUDA_CACHE_PATH: keep it on a volume so that later starts skip this ' +
  '(deploy/README.md, "First start on a new GPU")';

/** Parses `name, X.Y, driver` lines (NVIDIA_SMI_QUERY). Throws on a line of another shape. */
export function parseNvidiaSmiCsv(stdout: string): GpuDevice[] {
  return lines(stdout).map((line, index) => {
    const fields = line.split(',').map((f) => f.trim());
    const [cc, driverVersion] = fields.slice(-2);
    const name = fields.slice(0, -2).join(', ');
    if (fields.length < 3 || !name || !/^\d+\.\d+/.test(driverVersion) || !/^(\d+\.\d+|\[N\/A\])$/.test(cc)) {
      throw new Error(`nvidia-smi line ${index + 1} is not "name, compute capability, driver": ${line}`);
    }
    return { index, name, computeCapability: cc === '[N/A]' ? undefined : parseVersion(cc), driverVersion };
  });
}

/** Parses `name, driver` lines (NVIDIA_SMI_FALLBACK_QUERY). Throws on a line of another shape. */
function parseNvidiaSmiFallbackCsv(stdout: string): GpuDevice[] {
  return lines(stdout).map((line, index) => {
    const fields = line.split(',').map((f) => f.trim());
    const driverVersion = fields.at(-1) ?? '';
    const name = fields.slice(0, -1).join(', ');
    if (fields.length < 2 || !name || !/^\d+\.\d+/.test(driverVersion)) throw new Error(`nvidia-smi line ${index + 1} is not "name, driver": ${line}`);
    return { index, name, driverVersion };
  });
}

/**
 * Parses TF_CUDA_COMPUTE_CAPABILITIES (`sm_60,sm_80,compute_90`, TensorFlow's build syntax; the
 * bare `8.6` form is refused because it does not say whether PTX is included). Throws naming the
 * bad entry.
 */
export function parseKernelTargets(list: string): KernelTarget[] {
  const entries = list.split(',').map((e) => e.trim());
  return entries.map((label) => {
    const m = /^(sm|compute)_(\d+)(\d)(a?)$/.exec(label);
    if (!m) throw new Error(`TF_CUDA_COMPUTE_CAPABILITIES entry ${JSON.stringify(label)} is not sm_XY or compute_XY (e.g. sm_80, compute_90)`);
    return { kind: m[1] === 'sm' ? 'sass' : 'ptx', cc: { major: Number(m[2]), minor: Number(m[3]) }, archSpecific: m[4] === 'a', label };
  });
}

/**
 * The build the image records (TF_CUDA_COMPUTE_CAPABILITIES and TF_CUDA_VERSION, as libs/config
 * reads them), or undefined when it records no targets. Throws on a malformed value.
 */
export function parseLibtensorflowBuild(recorded: { computeCapabilities?: string; cudaVersion?: string }): LibtensorflowBuild | undefined {
  if (!recorded.computeCapabilities) return undefined;
  const targets = parseKernelTargets(recorded.computeCapabilities);
  if (!recorded.cudaVersion || !/^\d+\.\d+(\.\d+)?$/.test(recorded.cudaVersion)) {
    throw new Error(`TF_CUDA_VERSION ${JSON.stringify(recorded.cudaVersion ?? '')} is not MAJOR.MINOR (e.g. 12.5), needed beside TF_CUDA_COMPUTE_CAPABILITIES`);
  }
  return { targets, targetsText: targets.map((t) => t.label).join(','), cudaVersion: parseVersion(recorded.cudaVersion) };
}

/**
 * Which of the build's targets runs on a device of capability `cc`: SASS of the same major and a
 * minor ≤ the device's ('ok'), else PTX of a capability ≤ the device's ('jit'), else none. The
 * newest fitting target is named.
 */
export function kernelsFor(cc: ComputeCapability, targets: readonly KernelTarget[]): { verdict: 'ok' | 'jit' | 'no-kernels'; target?: KernelTarget } {
  const fits = (t: KernelTarget) =>
    t.archSpecific
      ? t.cc.major === cc.major && t.cc.minor === cc.minor
      : t.kind === 'sass'
        ? t.cc.major === cc.major && t.cc.minor <= cc.minor
        : ccValue(t.cc) <= ccValue(cc);
  const newest = (kind: KernelTarget['kind']) =>
    targets.filter((t) => t.kind === kind && fits(t)).sort((a, b) => ccValue(b.cc) - ccValue(a.cc))[0];
  const sass = newest('sass');
  if (sass) return { verdict: 'ok', target: sass };
  const ptx = newest('ptx');
  return ptx ? { verdict: 'jit', target: ptx } : { verdict: 'no-kernels' };
}

/**
 * The worker's start-up verdict on each GPU: one GpuCheck per device nvidia-smi lists, or one for
 * why it listed none. `fallback` is the NVIDIA_SMI_FALLBACK_QUERY run, for drivers without the
 * compute_cap field. `gpuRequired`: the worker was told to use the GPU (TF_BACKEND=tensorflow-gpu);
 * otherwise a machine without nvidia-smi is simply a CPU machine (a debug line).
 */
export function checkGpus(input: { query: NvidiaSmiResult; fallback?: NvidiaSmiResult; build?: LibtensorflowBuild; gpuRequired: boolean }): GpuCheck[] {
  const { query, fallback, build, gpuRequired } = input;
  if (query.status === 'not-found') {
    return [{ verdict: 'no-gpu', level: gpuRequired ? 'warn' : 'debug', message: "nvidia-smi not found: no NVIDIA driver in reach (is the container started with the GPU, e.g. compose's device reservation or nvidia.com/gpu?); the GPU was not checked" }];
  }
  let devices: GpuDevice[];
  try {
    if (query.status === 'ok') devices = parseNvidiaSmiCsv(query.stdout);
    else if (/not a valid field/i.test(query.output) && fallback?.status === 'ok') devices = parseNvidiaSmiFallbackCsv(fallback.stdout);
    else return [{ verdict: 'no-gpu', level: gpuRequired ? 'error' : 'debug', message: `nvidia-smi failed: ${lines(query.output)[0] ?? '(no output)'}` }];
  } catch (err) {
    return [{ verdict: 'unknown', level: 'warn', message: `${(err as Error).message}; the GPU was not checked` }];
  }
  if (devices.length === 0) return [{ verdict: 'no-gpu', level: gpuRequired ? 'error' : 'debug', message: 'nvidia-smi lists no GPU' }];
  return devices.map((device) => checkDevice(device, build));
}

function checkDevice(device: GpuDevice, build: LibtensorflowBuild | undefined): GpuCheck {
  const cc = device.computeCapability;
  const head = `GPU ${device.index}: ${device.name}${cc ? `, compute capability ${ccText(cc)}` : ''}, driver ${device.driverVersion}`;
  const say = (verdict: GpuVerdict, level: GpuCheck['level'], text: string): GpuCheck => ({ verdict, level, message: `${head}: ${text}`, device });
  const branch = Number.parseInt(device.driverVersion, 10);
  if (branch < CUDA_12_MIN_DRIVER_BRANCH) {
    return say('driver-too-old', 'error', `CUDA 12 needs driver branch ≥ ${CUDA_12_MIN_DRIVER_BRANCH}: libtensorflow will not find the GPU. Upgrade the host's NVIDIA driver`);
  }
  if (!build) return say('unknown', 'info', 'the kernels this libtensorflow carries are not recorded (TF_CUDA_COMPUTE_CAPABILITIES unset): not checked');
  if (!cc) return say('unknown', 'warn', `nvidia-smi gives no compute capability: not checked against this libtensorflow's kernels (${build.targetsText})`);
  const { verdict, target } = kernelsFor(cc, build.targets);
  const own = `sm_${cc.major}${cc.minor}`;
  if (verdict === 'ok') return say('ok', 'info', `libtensorflow has kernels for it (${target!.label})`);
  if (verdict === 'no-kernels') {
    return say(
      'no-kernels',
      'error',
      `this libtensorflow (CUDA ${ccText(build.cudaVersion)}, kernels ${build.targetsText}) has no kernels that can run on it: every GPU op will fail ` +
        '("no kernel image is available for execution on the device"). Run this worker on another GPU, or use a libtensorflow built for it',
    );
  }
  const needed = build.cudaVersion.major === 12 ? CUDA_12_DRIVER_BRANCH[build.cudaVersion.minor] : undefined;
  if (needed !== undefined && branch < needed) {
    return say(
      'driver-too-old',
      'error',
      `libtensorflow has no ${own} kernels, only ${target!.label} PTX to compile, and driver ${device.driverVersion} cannot JIT PTX from CUDA ${ccText(build.cudaVersion)} ` +
        `(driver branch ≥ ${needed} needed). Upgrade the host's NVIDIA driver`,
    );
  }
  return say('jit', 'warn', `libtensorflow has no ${own} kernels: the CUDA driver compiles them from its ${target!.label} PTX at the first start; ${JIT_WARNING}`);
}

/**
 * Runs nvidia-smi (NVIDIA_SMI_QUERY, then NVIDIA_SMI_FALLBACK_QUERY if the driver lacks
 * compute_cap) and returns checkGpus's verdicts. `run` replaces the process for tests.
 */
export async function inspectGpus(opts: {
  build?: LibtensorflowBuild;
  gpuRequired: boolean;
  run?: (args: readonly string[]) => Promise<NvidiaSmiResult>;
}): Promise<GpuCheck[]> {
  const run = opts.run ?? ((args: readonly string[]) => runNvidiaSmi(args));
  const query = await run(NVIDIA_SMI_QUERY);
  const fallback = query.status === 'failed' && /not a valid field/i.test(query.output) ? await run(NVIDIA_SMI_FALLBACK_QUERY) : undefined;
  return checkGpus({ query, fallback, build: opts.build, gpuRequired: opts.gpuRequired });
}

/**
 * Runs `nvidia-smi args` (or `command`). Resolves, never rejects: 'not-found' when there is no
 * such program, 'failed' with stdout and stderr when it exits non-zero or outlives `timeoutMs`
 * (default 15,000 ms: a wedged driver can hang nvidia-smi, and the worker must still start).
 */
export function runNvidiaSmi(args: readonly string[], opts: { command?: string; timeoutMs?: number } = {}): Promise<NvidiaSmiResult> {
  return new Promise((resolve) => {
    execFile(opts.command ?? 'nvidia-smi', [...args], { timeout: opts.timeoutMs ?? 15_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (!err) return resolve({ status: 'ok', stdout });
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return resolve({ status: 'not-found' });
      resolve({ status: 'failed', output: `${stdout}${stderr}` || err.message });
    });
  });
}

const lines = (text: string) => text.split('\n').map((l) => l.trim()).filter(Boolean);
const ccValue = (cc: ComputeCapability) => cc.major * 10 + cc.minor;
const ccText = (cc: ComputeCapability) => `${cc.major}.${cc.minor}`;

function parseVersion(text: string): ComputeCapability {
  const [major, minor] = text.split('.').map(Number);
  return { major, minor };
}
