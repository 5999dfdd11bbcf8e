package org.inginious.grading.image.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.inginious.grading.api.ConditionReasons;
import org.inginious.grading.image.registry.ImageResolver;
import org.inginious.grading.image.registry.ResolvedImage;
import org.inginious.grading.testing.LocalRegistry;
import org.inginious.grading.testing.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Lookups against a real registry, counted in its access log. */
class ImageLookupTest {
  @RegisterExtension static final LocalRegistry REGISTRY = LocalRegistry.open();

  @Test
  void concurrentLookupsOfOneReferenceShareOneSetOfRegistryRequests() throws Exception {
    String digest =
        TestImages.push(
            REGISTRY.host(),
            "inginious/env-shared",
            "v1",
            Map.of("org.inginious.grading.name", "shared"));
    ImageLookup lookup =
        new ImageLookup(new ImageResolver(), Clock.systemUTC(), Duration.ofMinutes(1));
    String reference = REGISTRY.host() + "/inginious/env-shared:v1";
    long before = manifestRequests("inginious/env-shared");

    ExecutorService pool = Executors.newFixedThreadPool(16);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<ResolvedImage>> results = new ArrayList<>();
    for (int i = 0; i < 32; i++) {
      results.add(
          pool.submit(
              () -> {
                go.await();
                return lookup.resolve(
                    reference, RegistrySecrets.Lazy.ANONYMOUS, true, "spec.build.prebuilt.image");
              }));
    }
    go.countDown();
    for (Future<ResolvedImage> result : results) {
      assertThat(result.get().digest()).isEqualTo(digest);
    }
    pool.shutdown();

    assertThat(manifestRequests("inginious/env-shared") - before)
        .as("manifest requests for 32 concurrent lookups of one reference")
        .isEqualTo(1);
  }

  @Test
  void credentialsAreReadOnlyWhenTheRegistryIsAsked() throws Exception {
    TestImages.push(
        REGISTRY.host(),
        "inginious/env-private",
        "v1",
        Map.of("org.inginious.grading.name", "private"));
    ImageLookup lookup =
        new ImageLookup(new ImageResolver(), Clock.systemUTC(), Duration.ofMinutes(1));
    AtomicInteger reads = new AtomicInteger();
    RegistrySecrets.Lazy secret =
        new RegistrySecrets.Lazy(
            "secret grading/regcred",
            () -> {
              reads.incrementAndGet();
              return Optional.empty();
            });
    for (int i = 0; i < 5; i++) {
      lookup.resolve(
          REGISTRY.host() + "/inginious/env-private:v1", secret, true, "spec.build.prebuilt.image");
    }
    assertThat(reads).as("Secret reads for 5 lookups within the cache time").hasValue(1);
  }

  @Test
  void failuresAreNotCachedAndReachEveryWaiter() {
    ImageLookup lookup =
        new ImageLookup(new ImageResolver(), Clock.systemUTC(), Duration.ofMinutes(1));
    AtomicInteger reads = new AtomicInteger();
    RegistrySecrets.Lazy missing =
        new RegistrySecrets.Lazy(
            "secret grading/regcred",
            () -> {
              reads.incrementAndGet();
              throw new ImageProblem(
                  ConditionReasons.SECRET_NOT_FOUND,
                  "spec.image.pullSecretRef: Secret grading/regcred does not exist",
                  true);
            });
    for (int i = 0; i < 2; i++) {
      assertThatThrownBy(
              () ->
                  lookup.resolve(
                      REGISTRY.host() + "/inginious/env-x:v1",
                      missing,
                      true,
                      "spec.build.prebuilt.image"))
          .isInstanceOf(ImageProblem.class)
          .hasMessageContaining("does not exist");
    }
    assertThat(reads).as("a failed lookup reads the Secret again at the next try").hasValue(2);
  }

  @Test
  void theCacheIsBoundedInSizeAndInTime() throws Exception {
    for (String name : List.of("a", "b", "c")) {
      TestImages.push(
          REGISTRY.host(),
          "inginious/env-bounded-" + name,
          "v1",
          Map.of("org.inginious.grading.name", name));
    }
    MutableClock clock = new MutableClock();
    ImageLookup lookup = new ImageLookup(new ImageResolver(), clock, Duration.ofMinutes(1), 2);
    resolve(lookup, "a");
    long afterFirst = manifestRequests("inginious/env-bounded-a");
    resolve(lookup, "b");
    resolve(lookup, "c");
    assertThat(lookup.cachedEntries()).as("entries with a cap of 2").isEqualTo(2);
    resolve(lookup, "c");
    resolve(lookup, "a");
    assertThat(manifestRequests("inginious/env-bounded-a"))
        .as("a, the least recently used, was forgotten and asked for again")
        .isGreaterThan(afterFirst);
    long cRequests = manifestRequests("inginious/env-bounded-c");
    resolve(lookup, "c");
    assertThat(manifestRequests("inginious/env-bounded-c"))
        .as("c is still remembered")
        .isEqualTo(cRequests);

    clock.advance(Duration.ofMinutes(2));
    resolve(lookup, "b");
    assertThat(lookup.cachedEntries())
        .as("expired entries are dropped when a lookup is remembered")
        .isEqualTo(1);
  }

  private static void resolve(ImageLookup lookup, String name) throws ImageProblem {
    lookup.resolve(
        REGISTRY.host() + "/inginious/env-bounded-" + name + ":v1",
        RegistrySecrets.Lazy.ANONYMOUS,
        true,
        "spec.build.prebuilt.image");
  }

  private static final class MutableClock extends Clock {
    private Instant now = Instant.parse("2026-01-01T00:00:00Z");

    void advance(Duration duration) {
      now = now.plus(duration);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }

  private static long manifestRequests(String repository) {
    return Pattern.compile("(GET|HEAD) /v2/" + Pattern.quote(repository) + "/manifests/")
        .matcher(REGISTRY.logText())
        .results()
        .count();
  }
}
