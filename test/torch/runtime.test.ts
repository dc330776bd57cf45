import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism, tmpdir } from 'node:os';
import { describe, test } from 'node:test';
import * as torch from '../../src/torch/index.js';
import { values } from './helpers.js';

describe('runtime', () => {
  test('manualSeedReproducesEveryKindOfDraw', () => {
    const draw = () => [
      ...values(torch.randn([5])),
      ...values(torch.rand([3], { dtype: 'float64' })),
      ...values(torch.randint(0, 100, [4])),
      ...values(torch.randperm(5)),
      ...values(torch.dropout(torch.ones([8]), 0.5)),
      ...values(torch.zeros([3]).normal_()),
    ];
    torch.manualSeed(5);
    const a = draw();
    torch.manualSeed(5);
    assert.deepEqual(draw(), a);
    torch.manualSeed(6);
    assert.notDeepEqual(draw(), a);
  });

  test('rngStateReplaysTheSameStream', () => {
    torch.manualSeed(9);
    torch.randn([7]);
    const state = torch.getRngState();
    assert.equal(state.dtype, 'uint8');
    const b = [...values(torch.rand([4])), ...values(torch.randn([3]))];
    torch.rand([10]);
    torch.setRngState(state);
    assert.deepEqual([...values(torch.rand([4])), ...values(torch.randn([3]))], b);
    // The state survives a save/load round trip (how resumable training restores it).
    const restored = torch.deserialize(torch.serialize({ rng: state })).tensors.rng!;
    torch.randn([100]);
    torch.setRngState(restored);
    assert.deepEqual(values(torch.rand([4])), b.slice(0, 4));
    assert.throws(() => torch.setRngState(torch.zeros([3])), /^Error: setRngState: /);
  });

  test('threadsDefaultToTheConfiguredCount', () => {
    // The test runner sets DNAS_NUM_THREADS (1 unless given); without it the default is the machine's cores.
    const expected = Number(process.env.DNAS_NUM_THREADS ?? process.env.OMP_NUM_THREADS ?? availableParallelism());
    assert.equal(torch.getNumThreads(), expected);
    // A count other than the configured one, so a setter that does nothing fails here.
    const other = expected === 1 ? 2 : 1;
    torch.setNumThreads(other);
    assert.equal(torch.getNumThreads(), other);
    torch.setNumThreads(expected);
    assert.equal(torch.getNumThreads(), expected);
    assert.throws(() => torch.setNumThreads(0), /setNumThreads: need a positive integer, got 0/);
    assert.throws(() => torch.setNumThreads(1.5), RangeError);
  });

  test('threadsDefaultToTheCoresOtherProcessesLeaveFree', () => {
    assert.equal(torch.defaultThreadCount({ cores: 2, busy: 0 }), 2);
    assert.equal(torch.defaultThreadCount({ cores: 2, busy: 0.4 }), 2);
    assert.equal(torch.defaultThreadCount({ cores: 2, busy: 1.0 }), 1);
    assert.equal(torch.defaultThreadCount({ cores: 2, busy: 1.7 }), 1); // never below one
    assert.equal(torch.defaultThreadCount({ cores: 16, busy: 4.2 }), 12);
    assert.equal(torch.defaultThreadCount({ cores: 8, busy: null }), 8); // unmeasurable: all cores
  });

  test('aFreshProcessBesideABusyOneUsesTheFreeCoresAndSaysSo', async () => {
    // No thread settings in the environment (Debian's libtorch alone would use 1), one busy loop.
    const env = { ...process.env };
    delete env.DNAS_NUM_THREADS;
    delete env.OMP_NUM_THREADS;
    const busy = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const index = new URL('../../src/torch/index.js', import.meta.url).href;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', `import * as t from '${index}'; console.log(t.getNumThreads())`], { env, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const threads = Number(r.stdout.trim());
      assert.ok(threads >= 1 && threads < availableParallelism(), `${threads} threads on ${availableParallelism()} cores`);
      assert.match(r.stderr, /^dnas: other processes keep \d+\.\d of \d+ cores busy, so torch uses \d+ threads? \(--threads or DNAS_NUM_THREADS sets the number\)\n$/);
    } finally {
      busy.kill('SIGKILL');
    }
  });

  test('anExplicitThreadCountIsKept', () => {
    const index = new URL('../../src/torch/index.js', import.meta.url).href;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', `import * as t from '${index}'; console.log(t.getNumThreads())`], { env: { ...process.env, DNAS_NUM_THREADS: '3' }, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(Number(r.stdout.trim()), 3);
    assert.equal(r.stderr, '');
  });

  test('freedTensorMemoryIsReusedWithoutFaultingPagesInAgain', () => {
    // Training-like steps on a 48 MiB tensor (forward, backward, every intermediate freed): after
    // three warm-up steps, the caching allocator reuses the freed pages; with glibc's
    // defaults (DNAS_CPU_CACHE=0) each block above 32 MiB is a fresh mapping whose 12,288 pages
    // fault in again when written, several times a step.
    const index = new URL('../../src/torch/index.js', import.meta.url).href;
    const script = `import * as t from '${index}';
      const x = t.keep(t.randn([12 * 1024 * 1024]).requiresGrad_());
      const step = () => t.tidy(() => { x.mul(2).relu().square().mean().backward(); x.grad.zero_(); });
      for (let i = 0; i < 3; i++) step();
      const before = process.resourceUsage().minorPageFault;
      for (let i = 0; i < 3; i++) step();
      console.log(process.resourceUsage().minorPageFault - before);`;
    const faults = (cache: string) => {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, DNAS_CPU_CACHE: cache, DNAS_NUM_THREADS: '1' }, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return Number(r.stdout.trim());
    };
    const pagesPerTensor = (48 * 1024 * 1024) / 4096;
    const cached = faults('1');
    const uncached = faults('0');
    assert.ok(cached < pagesPerTensor / 4, `cached: ${cached} faults in 3 steps`);
    assert.ok(uncached >= 3 * pagesPerTensor, `glibc defaults: ${uncached} faults in 3 steps`);
  });

  test('theCachingAllocatorServesRepeatedSizesFromItsCacheAndEmptiesOnRequest', () => {
    assert.equal(torch.configureCpuAllocator({ DNAS_CPU_CACHE: '0' }), false);
    assert.equal(torch.memoryStats().installed, true); // installed at load
    torch.emptyCache();
    const s0 = torch.memoryStats();
    torch.tidy(() => { torch.ones([1 << 20]).sum(); }); // 4 MiB: cached once freed
    const s1 = torch.memoryStats();
    assert.equal(s1.cachedBytes - s0.cachedBytes, 4 << 20);
    torch.tidy(() => { torch.ones([(1 << 20) - 1000]).sum(); }); // same size class: served from the cache
    const s2 = torch.memoryStats();
    assert.equal(s2.hits - s1.hits, 1);
    assert.equal(s2.misses, s1.misses);
    assert.equal(torch.tidy(() => torch.ones([(1 << 20) + 7]).sum().item()), (1 << 20) + 7); // values intact
    assert.ok(torch.emptyCache() >= 4 << 20);
    assert.equal(torch.memoryStats().cachedBytes, 0);
    // Peaks: two 8 MiB tensors alive at once, then one; the reset starts from what is live now.
    torch.resetPeakMemoryStats();
    const base = torch.memoryStats().allocatedBytes;
    torch.tidy(() => { const a = torch.ones([2 << 20]); const b = torch.ones([2 << 20]); a.add(b).sum(); });
    torch.tidy(() => { torch.ones([2 << 20]).sum(); });
    const peak = torch.memoryStats();
    assert.equal(peak.peakAllocatedBytes - base, 3 * (8 << 20)); // a, b and a + b
    assert.ok(peak.peakReservedBytes >= peak.peakAllocatedBytes);
  });

  test('aFreeBlockIsSplitForSmallerRequestsAndMergedBackWhenTheyAreFreed', () => {
    torch.emptyCache();
    const MiB = 1 << 20;
    const floats = (mib: number): number => (mib * MiB) / 4;
    torch.tidy(() => { torch.ones([floats(16)]).sum(); }); // one 16 MiB segment, now free
    const s0 = torch.memoryStats();
    assert.equal(s0.cachedBytes, 16 * MiB);
    torch.tidy(() => {
      const a = torch.ones([floats(4)]); // split off the free block: a hit, 12 MiB left free
      const mid = torch.memoryStats();
      assert.equal(mid.hits - s0.hits, 1);
      assert.equal(mid.cachedBytes, 12 * MiB);
      const b = torch.ones([floats(8)]); // from the remainder: another hit
      const end = torch.memoryStats();
      assert.equal(end.hits - s0.hits, 2);
      assert.equal(end.misses, s0.misses);
      assert.equal(end.cachedBytes, 4 * MiB);
      assert.equal(a.add(1).sum().item() + b.sum().item(), 2 * floats(4) + floats(8)); // both usable
    });
    // Freed, the three pieces merge into one free block again: the whole segment goes back.
    assert.equal(torch.memoryStats().cachedBytes, 16 * MiB);
    assert.equal(torch.emptyCache(), 16 * MiB);
  });

  test('theProfilerRecordsTheOpsThatRanAsAChromeTrace', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'dnas-prof-')), 'step.trace');
    torch.profiler.start(file);
    assert.throws(() => torch.profiler.start(file), /^Error: profiler\.start: the profiler is already running/);
    torch.tidy(() => torch.ones([8, 8]).matmul(torch.ones([8, 8])).relu());
    torch.profiler.stop();
    const names = new Set((JSON.parse(readFileSync(file, 'utf8')) as { name: string; ph: string }[]).filter((e) => e.ph === 'X').map((e) => e.name));
    for (const op of ['aten::matmul', 'aten::relu']) assert.ok(names.has(op), `${op} in ${[...names].join(', ')}`);
  });

  test('theCpuWorksAndOtherDevicesAreClearErrorsWithoutCuda', { skip: torch.cuda.isAvailable() ? 'a CUDA device is present (test/torch/cuda.test.ts covers it)' : false }, () => {
    assert.equal(torch.cuda.isAvailable(), false);
    assert.equal(torch.cuda.deviceCount(), 0);
    const x = torch.ones([2], { device: 'cpu' });
    assert.equal(x.device, 'cpu');
    assert.equal(x.to('cpu').device, 'cpu');
    assert.equal(x.cpu().device, 'cpu');
    assert.throws(() => x.cuda(), /^Error: to: /);
    assert.throws(() => torch.zeros([2], { device: 'cuda' }), /^Error: zeros: /);
    assert.throws(() => torch.zeros([2], { device: 'tpu7' }), /^Error: zeros: /);
  });

  test('cudnnTf32SwitchReadsAndWritesLikePyTorchs', () => {
    // libtorch's default is on (PyTorch's torch.backends.cudnn.allow_tf32 = True); the flag lives in
    // the global context, so it can be set without a GPU.
    assert.equal(torch.backends.cudnn.allowTF32, true);
    torch.backends.cudnn.allowTF32 = false;
    assert.equal(torch.backends.cudnn.allowTF32, false);
    torch.backends.cudnn.allowTF32 = true;
    assert.equal(torch.backends.cudnn.allowTF32, true);
  });

  test('scopeDepthAndCudaAreQueryable', () => {
    assert.equal(torch.scopeDepth(), 0);
    assert.equal(torch.tidy(() => torch.scopeDepth()), 1);
    assert.equal(typeof torch.cuda.deviceCount(), 'number');
  });
});
