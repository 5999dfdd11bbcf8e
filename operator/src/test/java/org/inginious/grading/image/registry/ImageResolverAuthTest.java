package org.inginious.grading.image.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Optional;
import org.inginious.grading.image.registry.RegistryException.Reason;
import org.inginious.grading.testing.LocalRegistry;
import org.inginious.grading.testing.TestImages;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Against a registry with htpasswd (basic) auth over plain HTTP. */
class ImageResolverAuthTest {

  @RegisterExtension
  static final LocalRegistry REGISTRY = LocalRegistry.withHtpasswd("robot", "s3cret");

  private static String digest;
  private static String reference;

  private final ImageResolver resolver = new ImageResolver();

  @BeforeAll
  static void pushImage() {
    digest =
        TestImages.push(
            REGISTRY.host(), "env/private", "v1", Map.of("who", "robot"), "robot", "s3cret");
    reference = REGISTRY.host() + "/env/private:v1";
  }

  @Test
  void goodCredentialsResolve() throws Exception {
    ResolvedImage image =
        resolver.resolve(reference, Optional.of(new RegistryCredentials("robot", "s3cret")), true);

    assertThat(image.digest()).isEqualTo(digest);
    assertThat(image.labels()).containsExactly(Map.entry("who", "robot"));
  }

  @Test
  void noCredentialsAreUnauthorized() {
    assertThatThrownBy(() -> resolver.resolve(reference, Optional.empty(), true))
        .isInstanceOfSatisfying(
            RegistryException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.UNAUTHORIZED);
              assertThat(e.reason().conditionReason()).isEqualTo("RegistryUnauthorized");
              assertThat(e.getMessage()).contains(reference).contains(REGISTRY.host());
            });
  }

  @Test
  void wrongCredentialsAreUnauthorizedAndNeverShown() {
    assertThatThrownBy(
            () ->
                resolver.resolve(
                    reference, Optional.of(new RegistryCredentials("robot", "hunter2")), true))
        .isInstanceOfSatisfying(
            RegistryException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.UNAUTHORIZED);
              assertThat(e.getMessage()).doesNotContain("hunter2");
              for (Throwable t = e; t != null; t = t.getCause()) {
                assertThat(String.valueOf(t.getMessage())).doesNotContain("hunter2");
              }
            });
  }
}
