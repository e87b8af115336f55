export { computeMatrix, declaredPorts, expandByCells, matrixPods, portKey, type Matrix, type MatrixPort } from './matrix.ts';
export { perPairMatrix } from './per-pair.ts';
export { podClasses, type PodClasses } from './classes.ts';
export { diffMatrices, type FlowChange, type MatrixDiff } from './diff.ts';
export { matrixCSV, matrixDot, matrixJSON, matrixMarkdown, matrixTable, type MatrixJSON } from './format.ts';
