// The report layer: a run's cells, curves and collapse diagnostics as one self-contained HTML file.
export { writeReport, defaultReportPath, type ReportOptions } from './write-report.js';
export { readRun, parseEventLog, defaultPrimitives, type RunLog, type EpochEvent, type Nb201Accuracies } from './run-log.js';
export { cellDiagrams, renderDot, type CellDiagram } from './cell-diagram.js';
export { NB201_REFERENCE, NB201_DATASETS, nb201Lookup } from './nb201-reference.js';
