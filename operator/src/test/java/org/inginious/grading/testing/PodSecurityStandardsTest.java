package org.inginious.grading.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The checker finds what it is meant to find: each bad field alone is one violation of its check.
 */
class PodSecurityStandardsTest {

  /** Passes restricted; each case below adds one field to it (or replaces its capabilities). */
  private static final String RESTRICTED_POD =
      """
      metadata: {annotations: {ANNOTATION}}
      spec:
        POD
        securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}POD_SECURITY}
        containers:
          - name: c
            image: x
            securityContext: {allowPrivilegeEscalation: false, CAPABILITIESCONTAINER_SECURITY}
            CONTAINER
      """;

  private static PodTemplateSpec pod(String where, String field) {
    String yaml =
        RESTRICTED_POD
            .replace("ANNOTATION", where.equals("annotation") ? field : "")
            .replace(
                "CAPABILITIES",
                where.equals("capabilities") ? field : "capabilities: {drop: [ALL]}")
            .replace("POD_SECURITY", where.equals("podSecurity") ? ", " + field : "")
            .replace("CONTAINER_SECURITY", where.equals("containerSecurity") ? ", " + field : "")
            .replace("POD", where.equals("pod") ? field : "")
            .replace("CONTAINER", where.equals("container") ? field : "");
    return Serialization.unmarshal(yaml, PodTemplateSpec.class);
  }

  @Test
  void theCleanPodPassesBothLevels() {
    assertThat(PodSecurityStandards.restricted(pod("", ""))).isEmpty();
  }

  @ParameterizedTest(name = "{2}: {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      pod               | 'hostPID: true'                                                        | Host Namespaces
      pod               | 'hostNetwork: true'                                                    | Host Namespaces
      containerSecurity | 'privileged: true'                                                     | Privileged Containers
      capabilities      | 'capabilities: {drop: [ALL], add: [SYS_ADMIN]}'                        | Capabilities
      pod               | 'volumes: [{name: h, hostPath: {path: /}}]'                            | HostPath Volumes
      container         | 'ports: [{containerPort: 80, hostPort: 80}]'                           | Host Ports
      container         | 'livenessProbe: {httpGet: {host: 10.0.0.1, port: 80}}'                 | Host Probes / Lifecycle Hooks
      annotation        | 'container.apparmor.security.beta.kubernetes.io/c: unconfined'         | AppArmor
      podSecurity       | 'appArmorProfile: {type: Unconfined}'                                  | AppArmor
      containerSecurity | 'seLinuxOptions: {type: spc_t}'                                        | SELinux
      containerSecurity | 'procMount: Unmasked'                                                  | /proc Mount Type
      containerSecurity | 'seccompProfile: {type: Unconfined}'                                   | Seccomp
      podSecurity       | 'sysctls: [{name: kernel.msgmax, value: "1"}]'                         | Sysctls
      containerSecurity | 'windowsOptions: {hostProcess: true}'                                  | HostProcess
      """)
  void eachBaselineCheckFindsItsField(String where, String field, String check) {
    assertThat(PodSecurityStandards.baseline(pod(where, field)))
        .singleElement()
        .asString()
        .startsWith("baseline '" + check + "'");
  }

  @ParameterizedTest(name = "{2}: {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      containerSecurity | 'runAsUser: 0'                                                         | Running as Non-root user
      containerSecurity | 'runAsNonRoot: false'                                                  | Running as Non-root
      capabilities      | 'capabilities: {drop: [ALL], add: [CHOWN]}'                            | Capabilities
      pod               | 'volumes: [{name: n, nfs: {server: s, path: /}}]'                      | Volume Types
      """)
  void eachRestrictedCheckFindsItsFieldThatBaselineAllows(
      String where, String field, String check) {
    PodTemplateSpec pod = pod(where, field);
    assertThat(PodSecurityStandards.baseline(pod)).isEmpty();
    assertThat(PodSecurityStandards.restricted(pod))
        .singleElement()
        .asString()
        .startsWith("restricted '" + check + "'");
  }

  @Test
  void privilegeEscalationMustBeTurnedOffForRestricted() {
    PodTemplateSpec pod = pod("", "");
    pod.getSpec().getContainers().get(0).getSecurityContext().setAllowPrivilegeEscalation(null);
    assertThat(PodSecurityStandards.baseline(pod)).isEmpty();
    assertThat(PodSecurityStandards.restricted(pod))
        .singleElement()
        .asString()
        .startsWith("restricted 'Privilege Escalation'");
  }
}
