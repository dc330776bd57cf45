// Small models for the nn tests, shaped like a supernet: a stem, cells holding ops, a classifier.
import { AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Flatten, Linear, Module, ModuleList, ReLU, Sequential } from '../../src/nn/index.js';
import type { Tensor } from '../../src/torch/index.js';

export class Cell extends Module {
  readonly op = this.registerModule('op', new Sequential(new ReLU(), new Conv2d(4, 4, 3, { padding: 1, bias: false }), new BatchNorm2d(4)));
  forward(x: Tensor): Tensor {
    return this.op.forward(x);
  }
}

/** The same layout as state_dict_keys() in fixtures/make_nn_fixture.py. */
export class TinyNet extends Module {
  readonly stem = this.registerModule('stem', new Sequential(new Conv2d(3, 4, 3, { padding: 1, bias: false }), new BatchNorm2d(4)));
  readonly cells = this.registerModule('cells', new ModuleList([new Cell()]));
  readonly head = this.registerModule('head', new Sequential(new AdaptiveAvgPool2d(1), new Flatten()));
  readonly classifier = this.registerModule('classifier', new Linear(4, 10));
  forward(x: Tensor): Tensor {
    let s = this.stem.forward(x);
    for (const cell of this.cells) s = cell.forward(s);
    return this.classifier.forward(this.head.forward(s));
  }
}
