package org.inginious.grading.image.common;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import org.inginious.grading.image.registry.ImageResolver;
import org.inginious.grading.image.registry.RegistryException;
import org.inginious.grading.image.registry.ResolvedImage;

/**
 * Tag to digest, remembered briefly so the reconciles that follow our own writes do not ask the
 * registry again; a moving tag is picked up at the next periodic reconcile after that. Lookups are
 * single-flight: reconciles that need the same reference with the same credentials at the same time
 * (every environment on one base, right after a start) share one set of registry requests.
 *
 * <p>Bounded: entries expire after {@code cacheFor} and are dropped when the next lookup is
 * remembered, and at most {@code maxEntries} are kept (the least recently used goes first), however
 * many references and Secrets the environments named over time.
 */
public class ImageLookup {
  /** Lookups remembered at most: far more than the distinct references of any installation. */
  public static final int DEFAULT_MAX_ENTRIES = 1024;

  private final ImageResolver resolver;
  private final Clock clock;
  private final Duration cacheFor;
  private final BoundedMap<String, Cached> cache;
  private final Map<String, CompletableFuture<ResolvedImage>> inFlight = new ConcurrentHashMap<>();

  private record Cached(ResolvedImage image, Instant until) {}

  public ImageLookup(ImageResolver resolver, Clock clock, Duration cacheFor) {
    this(resolver, clock, cacheFor, DEFAULT_MAX_ENTRIES);
  }

  public ImageLookup(ImageResolver resolver, Clock clock, Duration cacheFor, int maxEntries) {
    this.resolver = resolver;
    this.clock = clock;
    this.cacheFor = cacheFor;
    this.cache = new BoundedMap<>(maxEntries);
  }

  /**
   * @param credentials read only on a cache miss, by the one lookup that asks the registry;
   *     failures are not cached, so a Secret fixed after a failure is read again at the next try
   * @param field the spec field the reference comes from, named in problems
   */
  public ResolvedImage resolve(
      String reference, RegistrySecrets.Lazy credentials, boolean insecure, String field)
      throws ImageProblem {
    String key = reference + "|" + insecure + "|" + credentials.source();
    Cached cached = cache.get(key);
    if (cached != null && clock.instant().isBefore(cached.until())) {
      return cached.image();
    }
    CompletableFuture<ResolvedImage> mine = new CompletableFuture<>();
    CompletableFuture<ResolvedImage> running = inFlight.putIfAbsent(key, mine);
    if (running != null) {
      return await(running);
    }
    try {
      ResolvedImage image = lookUp(reference, credentials, insecure, field);
      Instant now = clock.instant();
      cache.removeIf((k, c) -> !now.isBefore(c.until()));
      cache.put(key, new Cached(image, now.plus(cacheFor)));
      mine.complete(image);
      return image;
    } catch (ImageProblem problem) {
      mine.completeExceptionally(problem);
      throw problem;
    } catch (RuntimeException e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      inFlight.remove(key, mine);
    }
  }

  private ResolvedImage lookUp(
      String reference, RegistrySecrets.Lazy credentials, boolean insecure, String field)
      throws ImageProblem {
    try {
      return resolver.resolve(reference, credentials.reader().read(), insecure);
    } catch (RegistryException e) {
      boolean retryable = e.reason() != RegistryException.Reason.INVALID_REFERENCE;
      throw new ImageProblem(
          e.reason().conditionReason(), field + ": " + e.getMessage(), retryable);
    }
  }

  /** Lookups remembered now, expired ones not yet dropped included. */
  int cachedEntries() {
    return cache.size();
  }

  /** The result of the lookup another reconcile runs for the same key. */
  private static ResolvedImage await(CompletableFuture<ResolvedImage> running) throws ImageProblem {
    try {
      return running.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof ImageProblem problem) {
        throw new ImageProblem(problem.reason(), problem.getMessage(), problem.retryable());
      }
      throw e.getCause() instanceof RuntimeException runtime ? runtime : e;
    }
  }
}
