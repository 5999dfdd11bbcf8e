package org.inginious.grading.image.common;

import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import org.inginious.grading.api.ConditionReasons;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.api.ImageSpec;
import org.inginious.grading.api.SecretReference;
import org.inginious.grading.image.registry.DockerConfigJson;
import org.inginious.grading.image.registry.RegistryCredentials;

/**
 * Registry credentials from kubernetes.io/dockerconfigjson Secrets; their content never reaches a
 * message.
 */
public final class RegistrySecrets {
  private static final String KEY = ".dockerconfigjson";

  private final KubernetesClient client;

  public RegistrySecrets(KubernetesClient client) {
    this.client = client;
  }

  /** Reads credentials when called: the Secret is fetched only when a registry request needs it. */
  @FunctionalInterface
  public interface Reader {
    Optional<RegistryCredentials> read() throws ImageProblem;
  }

  /**
   * Credentials for a registry request, not read yet: {@code source} names where they come from
   * (the Secret, "" for anonymous), so lookups can be cached and shared per source without a GET of
   * the Secret on every reconcile.
   */
  public record Lazy(String source, Reader reader) {
    public static final Lazy ANONYMOUS = new Lazy("", Optional::empty);
  }

  /** Pull credentials (pullSecretRef, else pushSecretRef) for an image reference. */
  public Optional<RegistryCredentials> pullCredentials(
      GradingEnvironment environment, String reference, String field) throws ImageProblem {
    return pullCredentialsLazily(environment, reference, field).reader().read();
  }

  /** The same, read only when {@link Lazy#reader()} is called. */
  public Lazy pullCredentialsLazily(GradingEnvironment environment, String reference, String field)
      throws ImageProblem {
    ImageSpec image = environment.getSpec().image;
    SecretReference ref = image == null ? null : image.pullCredentials();
    if (ref == null) {
      return Lazy.ANONYMOUS;
    }
    String secretField =
        image.pullSecretRef != null ? "spec.image.pullSecretRef" : "spec.image.pushSecretRef";
    String namespace = environment.getMetadata().getNamespace();
    String registry = registryOf(reference, field);
    return new Lazy(
        "secret " + namespace + "/" + ref.name,
        () -> credentials(namespace, ref, secretField, registry));
  }

  /** Push credentials (pushSecretRef) for the environment's repository. */
  public Optional<RegistryCredentials> pushCredentials(GradingEnvironment environment)
      throws ImageProblem {
    ImageSpec image = environment.getSpec().image;
    return image == null || image.pushSecretRef == null
        ? Optional.empty()
        : credentials(
            environment.getMetadata().getNamespace(),
            image.pushSecretRef,
            "spec.image.pushSecretRef",
            registryOf(image.repository, "spec.image.repository"));
  }

  static String registryOf(String reference, String field) throws ImageProblem {
    try {
      return ImageReference.parse(reference).getRegistry();
    } catch (InvalidImageReferenceException e) {
      throw new ImageProblem(
          ConditionReasons.INVALID_IMAGE_REFERENCE,
          field + ": '" + reference + "' is not a valid image reference",
          false);
    }
  }

  public Optional<RegistryCredentials> credentials(
      String namespace, SecretReference ref, String field, String registryHost)
      throws ImageProblem {
    if (ref == null) {
      return Optional.empty();
    }
    Secret secret = client.secrets().inNamespace(namespace).withName(ref.name).get();
    if (secret == null) {
      throw new ImageProblem(
          ConditionReasons.SECRET_NOT_FOUND,
          field + ": Secret " + namespace + "/" + ref.name + " does not exist",
          true);
    }
    String encoded = secret.getData() == null ? null : secret.getData().get(KEY);
    String json =
        encoded != null
            ? new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8)
            : secret.getStringData() == null ? null : secret.getStringData().get(KEY);
    if (json == null) {
      throw new ImageProblem(
          ConditionReasons.SECRET_INVALID,
          field
              + ": Secret "
              + namespace
              + "/"
              + ref.name
              + " has no key "
              + KEY
              + " (create it with kubectl create secret docker-registry)",
          false);
    }
    try {
      return DockerConfigJson.credentialsFor(json, registryHost);
    } catch (IllegalArgumentException e) {
      throw new ImageProblem(
          ConditionReasons.SECRET_INVALID,
          field + ": Secret " + namespace + "/" + ref.name + ": " + e.getMessage(),
          false);
    }
  }
}
