package org.inginious.grading.build;

import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.api.ImageSpec;
import org.inginious.grading.build.registry.ImageResolver;
import org.inginious.grading.build.registry.RegistryCredentials;
import org.inginious.grading.build.registry.RegistryException;
import org.inginious.grading.build.registry.ResolvedImage;

/**
 * The `prebuilt` source: resolve the tag to a digest, read the labels, check them against the spec.
 * Resolutions are remembered briefly so the reconciles that follow our own writes do not ask the
 * registry again; a moving tag is picked up at the next periodic reconcile after that.
 */
public class PrebuiltImages {
  public static final String LABEL_MISMATCH = "LabelMismatch";

  private final ImageResolver resolver;
  private final RegistrySecrets secrets;
  private final Clock clock;
  private final Duration cacheFor;
  private final Map<String, Cached> cache = new ConcurrentHashMap<>();

  private record Cached(ResolvedImage image, Instant until) {}

  public PrebuiltImages(ImageResolver resolver, RegistrySecrets secrets, Clock clock, Duration cacheFor) {
    this.resolver = resolver;
    this.secrets = secrets;
    this.clock = clock;
    this.cacheFor = cacheFor;
  }

  public ResolvedImage resolve(GradingEnvironment environment) throws ReconcileProblem {
    String reference = environment.getSpec().build.prebuilt.image;
    ImageSpec imageSpec = environment.getSpec().image == null ? new ImageSpec() : environment.getSpec().image;
    String registry;
    try {
      registry = ImageReference.parse(reference).getRegistry();
    } catch (InvalidImageReferenceException e) {
      throw new ReconcileProblem("InvalidImageReference",
          "spec.build.prebuilt.image: '" + reference + "' is not a valid image reference", false);
    }
    Optional<RegistryCredentials> credentials = secrets.credentials(
        environment.getMetadata().getNamespace(), imageSpec.pullCredentials(), "spec.image.pullSecretRef", registry);
    ResolvedImage image = resolveCached(reference, credentials, imageSpec.isInsecure());
    List<String> mismatches = ImageLabels.mismatches(image.labels(), environment);
    if (!mismatches.isEmpty()) {
      throw new ReconcileProblem(LABEL_MISMATCH, reference + ": " + String.join("; ", mismatches), false);
    }
    return image;
  }

  private ResolvedImage resolveCached(String reference, Optional<RegistryCredentials> credentials, boolean insecure)
      throws ReconcileProblem {
    // Credentials are part of the key (hashed), so a fixed Secret is tried at once.
    String key = reference + "|" + insecure + "|" + credentials.map(c -> Integer.toHexString((c.username() + ":" + c.password()).hashCode())).orElse("");
    Cached cached = cache.get(key);
    Instant now = clock.instant();
    if (cached != null && now.isBefore(cached.until())) {
      return cached.image();
    }
    try {
      ResolvedImage image = resolver.resolve(reference, credentials, insecure);
      cache.put(key, new Cached(image, now.plus(cacheFor)));
      return image;
    } catch (RegistryException e) {
      boolean retryable = e.reason() != RegistryException.Reason.INVALID_REFERENCE;
      throw new ReconcileProblem(e.reason().conditionReason(), e.getMessage(), retryable);
    }
  }
}
