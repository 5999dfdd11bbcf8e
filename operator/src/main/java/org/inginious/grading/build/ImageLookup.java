package org.inginious.grading.build;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.inginious.grading.build.registry.ImageResolver;
import org.inginious.grading.build.registry.RegistryCredentials;
import org.inginious.grading.build.registry.RegistryException;
import org.inginious.grading.build.registry.ResolvedImage;

/**
 * Tag to digest, remembered briefly so the reconciles that follow our own writes do not ask the
 * registry again; a moving tag is picked up at the next periodic reconcile after that.
 */
public class ImageLookup {
  private final ImageResolver resolver;
  private final Clock clock;
  private final Duration cacheFor;
  private final Map<String, Cached> cache = new ConcurrentHashMap<>();

  private record Cached(ResolvedImage image, Instant until) {}

  public ImageLookup(ImageResolver resolver, Clock clock, Duration cacheFor) {
    this.resolver = resolver;
    this.clock = clock;
    this.cacheFor = cacheFor;
  }

  /** @param field the spec field the reference comes from, named in problems */
  public ResolvedImage resolve(String reference, Optional<RegistryCredentials> credentials, boolean insecure, String field)
      throws ReconcileProblem {
    // Credentials are part of the key (hashed), so a fixed Secret is tried at once.
    String key = reference + "|" + insecure + "|"
        + credentials.map(c -> Integer.toHexString((c.username() + ":" + c.password()).hashCode())).orElse("");
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
      throw new ReconcileProblem(e.reason().conditionReason(), field + ": " + e.getMessage(), retryable);
    }
  }
}
