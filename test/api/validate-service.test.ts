// Service validation rules of pkg/apis/core/validation (ValidateService, validateServicePort,
// ValidateServiceClusterIPsRelatedFields, validateServiceExternalTrafficPolicy) and the allocators'
// range checks. Each case: the spec (flow YAML, one line), the expected `field: reason` list.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateText } from './validate-helpers.ts';

const service = (spec: string, name = 'web'): string => `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}}\nspec: ${spec}\n`;
const check = (spec: string, name?: string): string[] => validateText(service(spec, name)).map((e) => `${e.field ?? ''}: ${e.reason}`);

describe('ValidateService', () => {
  const cases: [string, string, string[]][] = [
    ['a valid ClusterIP Service', '{selector: {app: web}, ports: [{name: http, port: 80, targetPort: http}]}', []],
    ['ports required unless headless or ExternalName', '{selector: {app: web}}', ['spec.ports: Required value']],
    ['headless Service without ports is valid', '{clusterIP: None, selector: {app: db}}', []],
    ['protocol must be TCP, UDP or SCTP', '{ports: [{port: 80, protocol: HTTP}]}', ['spec.ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"']],
    [
      'port name must be a DNS-1123 label',
      '{ports: [{name: Http, port: 80}]}',
      ["spec.ports[0].name: Invalid value: \"Http\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"],
    ],
    ['(port, protocol) pairs are unique', '{ports: [{name: a, port: 53, protocol: UDP}, {name: b, port: 53, protocol: TCP}, {name: c, port: 53, protocol: UDP}]}', ['spec.ports[2]: Duplicate value: {"port":53,"protocol":"UDP"}']],
    ['targetPort 0 means unset and defaults to port', '{ports: [{port: 80, targetPort: 0}]}', []],
    ['targetPort 70000 is out of range', '{ports: [{port: 80, targetPort: 70000}]}', ['spec.ports[0].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive']],
    ['named targetPort longer than 15 characters (IANA_SVC_NAME)', '{ports: [{port: 80, targetPort: http-metrics-port}]}', ['spec.ports[0].targetPort: Invalid value: "http-metrics-port": must be no more than 15 characters']],
    ['named targetPort with consecutive hyphens', '{ports: [{port: 80, targetPort: a--b}]}', ['spec.ports[0].targetPort: Invalid value: "a--b": must not contain consecutive hyphens']],
    ['type must be one of the four', '{type: Internal, ports: [{port: 80}]}', ['spec.type: Unsupported value: "Internal": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"']],
    ['nodePort forbidden for ClusterIP', '{ports: [{port: 80, nodePort: 30080}]}', ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]],
    ['nodePort within the range is valid', '{type: NodePort, ports: [{port: 80, nodePort: 32767}]}', []],
    ['nodePort 30000-32767 only', '{type: LoadBalancer, ports: [{port: 80, nodePort: 32768}]}', ['spec.ports[0].nodePort: Invalid value: 32768: provided port is not in the valid range. The range of valid ports is 30000-32767']],
    ['duplicate nodePort (same protocol)', '{type: NodePort, ports: [{name: a, port: 80, nodePort: 30080}, {name: b, port: 81, nodePort: 30080}]}', ['spec.ports[1].nodePort: Duplicate value: 30080']],
    ['same nodePort for TCP and UDP is fine', '{type: NodePort, ports: [{name: a, port: 53, nodePort: 30053}, {name: b, port: 53, protocol: UDP, nodePort: 30053}]}', []],
    ['clusterIP inside the service CIDR', '{clusterIP: 10.96.0.50, ports: [{port: 80}]}', []],
    ['clusterIP must be an IP', '{clusterIP: 10.96.0.500, ports: [{port: 80}]}', ['spec.clusterIP: Invalid value: "10.96.0.500": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']],
    ['clusterIP None not allowed for NodePort', '{type: NodePort, clusterIP: None, ports: [{port: 80}]}', ["spec.clusterIP: Invalid value: \"None\": may not be set to 'None' for NodePort services"]],
    ['clusterIPs[0] must match clusterIP', '{clusterIP: 10.96.0.10, clusterIPs: [10.96.0.11], ports: [{port: 80}]}', ['spec.clusterIPs: Invalid value: ["10.96.0.11"]: first value must match `clusterIP`']],
    ['ExternalName: externalName required', '{type: ExternalName}', ['spec.externalName: Required value']],
    ['ExternalName: a trailing dot is allowed', '{type: ExternalName, externalName: db.example.com.}', []],
    [
      'ExternalName: externalName must be a DNS subdomain',
      '{type: ExternalName, externalName: db_1.example.com}',
      ["spec.externalName: Invalid value: \"db_1.example.com\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"],
    ],
    ['ExternalName: clusterIP must be empty', '{type: ExternalName, externalName: db.example.com, clusterIP: 10.96.0.10}', ['spec.clusterIP: Forbidden: may not be set for ExternalName services']],
    ['sessionAffinity enum', '{sessionAffinity: Cookie, ports: [{port: 80}]}', ['spec.sessionAffinity: Unsupported value: "Cookie": supported values: "ClientIP", "None"']],
    ['ClientIP timeoutSeconds at most 86400', '{sessionAffinity: ClientIP, sessionAffinityConfig: {clientIP: {timeoutSeconds: 86401}}, ports: [{port: 80}]}', ['spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 86401: must be greater than 0 and less than 86400']],
    ['externalTrafficPolicy only for externally-accessible Services', '{externalTrafficPolicy: Local, ports: [{port: 80}]}', ['spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services']],
    ['externalTrafficPolicy enum', '{type: NodePort, externalTrafficPolicy: Nearest, ports: [{port: 80}]}', ['spec.externalTrafficPolicy: Unsupported value: "Nearest": supported values: "Cluster", "Local"']],
    ['healthCheckNodePort only with LoadBalancer and Local', '{type: NodePort, healthCheckNodePort: 30100, ports: [{port: 80}]}', ["spec.healthCheckNodePort: Invalid value: 30100: may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"]],
    ['healthCheckNodePort with LoadBalancer and Local', '{type: LoadBalancer, externalTrafficPolicy: Local, healthCheckNodePort: 30100, ports: [{port: 80}]}', []],
    ['loadBalancerSourceRanges only for LoadBalancer', '{loadBalancerSourceRanges: [10.0.0.0/8], ports: [{port: 80}]}', ["spec.loadBalancerSourceRanges: Forbidden: may only be used when `type` is 'LoadBalancer'"]],
    ['loadBalancerSourceRanges are CIDRs', '{type: LoadBalancer, loadBalancerSourceRanges: [10.0.0.0/33], ports: [{port: 80}]}', ['spec.loadBalancerSourceRanges[0]: Invalid value: "10.0.0.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)']],
    ['externalIPs must be valid', '{externalIPs: [192.0.2.300], ports: [{port: 80}]}', ['spec.externalIPs[0]: Invalid value: "192.0.2.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']],
    ['externalIPs may not be loopback', '{externalIPs: [127.0.0.1], ports: [{port: 80}]}', ['spec.externalIPs[0]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)']],
    ['internalTrafficPolicy enum', '{internalTrafficPolicy: Node, ports: [{port: 80}]}', ['spec.internalTrafficPolicy: Unsupported value: "Node": supported values: "Cluster", "Local"']],
    ['allocateLoadBalancerNodePorts only for LoadBalancer', '{allocateLoadBalancerNodePorts: false, ports: [{port: 80}]}', ["spec.allocateLoadBalancerNodePorts: Forbidden: may only be used when `type` is 'LoadBalancer'"]],
    ['selector keys and values are label-validated', '{selector: {app: "-web"}, ports: [{port: 80}]}', [
      "spec.selector: Invalid value: \"-web\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    ]],
    ['ipFamilyPolicy enum', '{ipFamilyPolicy: DualStack, ports: [{port: 80}]}', ['spec.ipFamilyPolicy: Unsupported value: "DualStack": supported values: "PreferDualStack", "RequireDualStack", "SingleStack"']],
  ];
  for (const [name, spec, expected] of cases) it(name, () => assert.deepEqual(check(spec), expected));

  it('Service names are DNS-1035 labels (ValidateServiceName; RelaxedServiceNameValidation is off by default)', () => {
    assert.deepEqual(check('{ports: [{port: 80}]}', '1web'), [
      "metadata.name: Invalid value: \"1web\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
    ]);
  });

  it('the node port range and service CIDR come from the cluster settings', () => {
    const text = service('{type: NodePort, clusterIP: 10.0.0.5, ports: [{port: 80, nodePort: 20000}]}');
    assert.deepEqual(validateText(text, { serviceCIDR: '10.0.0.0/24', nodePortRange: { base: 20000, size: 100 } }), []);
  });
});
