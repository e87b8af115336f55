/** @module dataplane/capture — `podnet capture`: bounded tcpdump in a pod's or node's namespace, with the underlay (VXLAN) view. */
export { planCapture, runCapture, tcpdumpArgs, CaptureError, type CaptureOptions, type CapturePlan, type CaptureResult, type CaptureHooks } from './capture.ts';
