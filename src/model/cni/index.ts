export { cniProfile, hostVethName, type CNIProfile, type CrossNode, type Encapsulation } from './profile.ts';
export { cniPath, mtuProblem, nodeOf, type NetEndpoint, type PathHop, type PathResult } from './path.ts';
