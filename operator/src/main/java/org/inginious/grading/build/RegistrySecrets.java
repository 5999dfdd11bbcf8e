package org.inginious.grading.build;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import org.inginious.grading.api.SecretReference;
import org.inginious.grading.build.registry.DockerConfigJson;
import org.inginious.grading.build.registry.RegistryCredentials;

/** Registry credentials from kubernetes.io/dockerconfigjson Secrets; their content never reaches a message. */
public final class RegistrySecrets {
  public static final String SECRET_NOT_FOUND = "SecretNotFound";
  public static final String SECRET_INVALID = "SecretInvalid";
  private static final String KEY = ".dockerconfigjson";

  private final KubernetesClient client;

  public RegistrySecrets(KubernetesClient client) {
    this.client = client;
  }

  public Optional<RegistryCredentials> credentials(String namespace, SecretReference ref, String field, String registryHost)
      throws ReconcileProblem {
    if (ref == null) {
      return Optional.empty();
    }
    Secret secret = client.secrets().inNamespace(namespace).withName(ref.name).get();
    if (secret == null) {
      throw new ReconcileProblem(SECRET_NOT_FOUND, field + ": Secret " + namespace + "/" + ref.name + " does not exist", true);
    }
    String encoded = secret.getData() == null ? null : secret.getData().get(KEY);
    String json = encoded != null ? new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8)
        : secret.getStringData() == null ? null : secret.getStringData().get(KEY);
    if (json == null) {
      throw new ReconcileProblem(SECRET_INVALID, field + ": Secret " + namespace + "/" + ref.name
          + " has no key " + KEY + " (create it with kubectl create secret docker-registry)", false);
    }
    try {
      return DockerConfigJson.credentialsFor(json, registryHost);
    } catch (IllegalArgumentException e) {
      throw new ReconcileProblem(SECRET_INVALID, field + ": Secret " + namespace + "/" + ref.name + ": " + e.getMessage(), false);
    }
  }
}
