/** The cluster settings validation depends on (a ClusterConfig satisfies it). */
export interface ValidationContext {
  serviceCIDR: string;
  nodePortRange: { base: number; size: number };
}
