export { CheckArgumentError, parseNamespacedName, sameMultiset, type CheckKind, type CheckOutcome } from './check.ts';
export { parseExpectations, runChecks, type Check, type CheckResult, type VerifyReport } from './expectations.ts';
export { CHECK_KINDS } from './kinds.ts';
export { readyEndpoints } from './endpoints-check.ts';
