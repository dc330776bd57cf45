// Records the order in which a step calls its optimizers' step(): the update rules' tests check
// which parameter sets a step moves, and in which order.

/** Wraps each optimizer's step() to push its name onto the returned list, then step as before. */
export function recordOptimizerSteps(optimizers: Record<string, { step(): void }>): string[] {
  const calls: string[] = [];
  for (const [name, opt] of Object.entries(optimizers)) {
    const step = opt.step.bind(opt);
    opt.step = () => {
      calls.push(name);
      step();
    };
  }
  return calls;
}
