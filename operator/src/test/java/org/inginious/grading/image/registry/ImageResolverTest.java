package org.inginious.grading.image.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.cloud.tools.jib.api.buildplan.Platform;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.inginious.grading.image.registry.RegistryException.Reason;
import org.inginious.grading.testing.LocalRegistry;
import org.inginious.grading.testing.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ImageResolverTest {

  @RegisterExtension static final LocalRegistry REGISTRY = LocalRegistry.open();

  private final ImageResolver resolver = new ImageResolver();

  private static final Map<String, String> LABELS =
      Map.of("org.inginious.grading.name", "php", "org.inginious.grading.need_root", "False");

  private ResolvedImage resolve(String reference) throws RegistryException {
    return resolver.resolve(reference, Optional.empty(), true);
  }

  @Test
  void resolvesTagToJibDigestAndLabels() throws Exception {
    String digest = TestImages.push(REGISTRY.host(), "env/php", "v1", LABELS);

    ResolvedImage image = resolve(REGISTRY.host() + "/env/php:v1");

    assertThat(image.repository()).isEqualTo(REGISTRY.host() + "/env/php");
    assertThat(image.digest()).isEqualTo(digest).startsWith("sha256:");
    assertThat(image.labels()).isEqualTo(LABELS);
    assertThat(image.pinnedReference()).isEqualTo(REGISTRY.host() + "/env/php@" + digest);
  }

  @Test
  void imageWithoutLabelsHasEmptyLabels() throws Exception {
    String digest = TestImages.push(REGISTRY.host(), "env/plain", "latest", Map.of());

    ResolvedImage image = resolve(REGISTRY.host() + "/env/plain"); // default tag

    assertThat(image.digest()).isEqualTo(digest);
    assertThat(image.labels()).isEmpty();
  }

  @Test
  void resolvesByDigest() throws Exception {
    String digest = TestImages.push(REGISTRY.host(), "env/bydigest", "v1", Map.of("a", "1"));

    ResolvedImage image = resolve(REGISTRY.host() + "/env/bydigest@" + digest);

    assertThat(image.digest()).isEqualTo(digest);
    assertThat(image.labels()).containsExactly(Map.entry("a", "1"));
    assertThat(image.pinnedReference()).isEqualTo(REGISTRY.host() + "/env/bydigest@" + digest);
  }

  @Test
  void indexIsPinnedByIndexDigestWithLabelsOfLinuxAmd64() throws Exception {
    Map<String, Map<String, String>> labelsByArch = new LinkedHashMap<>();
    labelsByArch.put("arm64", Map.of("arch", "arm64"));
    labelsByArch.put("amd64", Map.of("arch", "amd64"));
    String indexDigest = TestImages.pushIndex(REGISTRY.host(), "env/multi", "v1", labelsByArch);

    ResolvedImage image = resolve(REGISTRY.host() + "/env/multi:v1");

    assertThat(image.digest()).isEqualTo(indexDigest);
    assertThat(image.labels()).containsExactly(Map.entry("arch", "amd64"));
  }

  @Test
  void jibMultiPlatformImageIsPinnedByItsListDigest() throws Exception {
    String digest =
        TestImages.pushMultiPlatform(
            REGISTRY.host(),
            "env/jibmulti",
            "v1",
            LABELS,
            Set.of(new Platform("amd64", "linux"), new Platform("arm64", "linux")));

    ResolvedImage image = resolve(REGISTRY.host() + "/env/jibmulti:v1");

    assertThat(image.digest()).isEqualTo(digest);
    assertThat(image.labels()).isEqualTo(LABELS);
    assertThat(TestImages.manifestMediaType(REGISTRY.host(), "env/jibmulti", digest))
        .isIn(TestImages.OCI_INDEX, "application/vnd.docker.distribution.manifest.list.v2+json");
  }

  @Test
  void missingTagIsImageNotFound() {
    TestImages.push(REGISTRY.host(), "env/tagged", "v1", Map.of());

    assertThatThrownBy(() -> resolve(REGISTRY.host() + "/env/tagged:nope"))
        .isInstanceOfSatisfying(
            RegistryException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.IMAGE_NOT_FOUND);
              assertThat(e.reason().conditionReason()).isEqualTo("ImageNotFound");
              assertThat(e.getMessage()).contains(REGISTRY.host() + "/env/tagged:nope");
            });
  }

  @Test
  void missingRepositoryIsImageNotFound() {
    assertThatThrownBy(() -> resolve(REGISTRY.host() + "/env/never-pushed:v1"))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.reason()).isEqualTo(Reason.IMAGE_NOT_FOUND));
  }

  @Test
  void unparsableReferenceIsInvalidReference() {
    for (String bad :
        new String[] {"", "UPPER/case:tag", "repo:bad tag", "scratch", "a@sha256:123"}) {
      assertThatThrownBy(() -> resolve(bad))
          .as(bad)
          .isInstanceOfSatisfying(
              RegistryException.class,
              e -> {
                assertThat(e.reason()).isEqualTo(Reason.INVALID_REFERENCE);
                assertThat(e.reason().conditionReason()).isEqualTo("InvalidImageReference");
              });
    }
  }

  @Test
  void plainHttpRegistryNotMarkedInsecureIsUnavailableQuickly() {
    TestImages.push(REGISTRY.host(), "env/tls", "v1", Map.of());
    long start = System.nanoTime();

    assertThatThrownBy(
            () -> resolver.resolve(REGISTRY.host() + "/env/tls:v1", Optional.empty(), false))
        .isInstanceOfSatisfying(
            RegistryException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.REGISTRY_UNAVAILABLE);
              assertThat(e.getMessage()).contains("TLS").contains("insecure");
            });
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void stoppedRegistryIsUnavailableQuickly() throws Exception {
    TestImages.push(REGISTRY.host(), "env/down", "v1", Map.of());
    REGISTRY.stop();
    try {
      long start = System.nanoTime();
      assertThatThrownBy(() -> resolve(REGISTRY.host() + "/env/down:v1"))
          .isInstanceOfSatisfying(
              RegistryException.class,
              e -> {
                assertThat(e.reason()).isEqualTo(Reason.REGISTRY_UNAVAILABLE);
                assertThat(e.reason().conditionReason()).isEqualTo("RegistryUnavailable");
                assertThat(e.getMessage()).contains(REGISTRY.host());
              });
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));

      // Without "insecure" jib would retry for about a minute; we switch its retries off.
      long secureStart = System.nanoTime();
      assertThatThrownBy(
              () -> resolver.resolve(REGISTRY.host() + "/env/down:v1", Optional.empty(), false))
          .isInstanceOfSatisfying(
              RegistryException.class,
              e -> assertThat(e.reason()).isEqualTo(Reason.REGISTRY_UNAVAILABLE));
      assertThat(Duration.ofNanos(System.nanoTime() - secureStart))
          .isLessThan(Duration.ofSeconds(15));
    } finally {
      REGISTRY.start();
    }
    assertThat(resolve(REGISTRY.host() + "/env/down:v1").labels()).isEmpty(); // same storage
  }
}
