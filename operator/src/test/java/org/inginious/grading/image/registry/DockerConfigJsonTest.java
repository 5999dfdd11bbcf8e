package org.inginious.grading.image.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class DockerConfigJsonTest {

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void readsAuthFieldByHost() {
    String json =
        "{\"auths\":{\"registry.example.edu\":{\"auth\":\"" + b64("robot:s3cr:et") + "\"}}}";

    assertThat(DockerConfigJson.credentialsFor(json, "registry.example.edu"))
        .contains(new RegistryCredentials("robot", "s3cr:et"));
  }

  @Test
  void readsUsernameAndPasswordFields() {
    String json = "{\"auths\":{\"127.0.0.1:5000\":{\"username\":\"u\",\"password\":\"p\"}}}";

    assertThat(DockerConfigJson.credentialsFor(json, "127.0.0.1:5000"))
        .contains(new RegistryCredentials("u", "p"));
  }

  @Test
  void authFieldWinsOverUsernameAndPassword() {
    String json =
        "{\"auths\":{\"ghcr.io\":{\"auth\":\""
            + b64("a:b")
            + "\",\"username\":\"x\",\"password\":\"y\"}}}";

    assertThat(DockerConfigJson.credentialsFor(json, "ghcr.io"))
        .contains(new RegistryCredentials("a", "b"));
  }

  @Test
  void matchesUrlKeysAndIgnoresCase() {
    String json =
        "{\"auths\":{\"https://Registry.Example.edu:8443/v2/\":{\"auth\":\"" + b64("u:p") + "\"}}}";

    assertThat(DockerConfigJson.credentialsFor(json, "registry.example.edu:8443"))
        .contains(new RegistryCredentials("u", "p"));
    assertThat(DockerConfigJson.credentialsFor(json, "registry.example.edu")).isEmpty();
  }

  @Test
  void exactKeyIsPreferredOverUrlKey() {
    String json =
        "{\"auths\":{\"https://ghcr.io/v1/\":{\"auth\":\""
            + b64("url:1")
            + "\"},"
            + "\"ghcr.io\":{\"auth\":\""
            + b64("exact:2")
            + "\"}}}";

    assertThat(DockerConfigJson.credentialsFor(json, "ghcr.io"))
        .contains(new RegistryCredentials("exact", "2"));
  }

  @Test
  void dockerHubAliasesMatchEachOther() {
    String legacy =
        "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"" + b64("hub:pw") + "\"}}}";
    String plain = "{\"auths\":{\"docker.io\":{\"username\":\"hub\",\"password\":\"pw\"}}}";
    RegistryCredentials expected = new RegistryCredentials("hub", "pw");

    for (String host : new String[] {"docker.io", "index.docker.io", "registry-1.docker.io"}) {
      assertThat(DockerConfigJson.credentialsFor(legacy, host)).as(host).contains(expected);
      assertThat(DockerConfigJson.credentialsFor(plain, host)).as(host).contains(expected);
    }
    assertThat(DockerConfigJson.credentialsFor(plain, "ghcr.io")).isEmpty();
  }

  @Test
  void noEntryOrNoAuthsGivesEmpty() {
    assertThat(DockerConfigJson.credentialsFor("{\"auths\":{}}", "ghcr.io")).isEmpty();
    assertThat(DockerConfigJson.credentialsFor("{}", "ghcr.io")).isEmpty();
    assertThat(
            DockerConfigJson.credentialsFor(
                "{\"auths\":{\"ghcr.io\":{\"identitytoken\":\"t\"}}}", "ghcr.io"))
        .isEmpty();
  }

  @Test
  void malformedJsonFailsWithoutQuotingTheContent() {
    String json = "{\"auths\":{\"ghcr.io\":{\"password\":\"hunter2\" oops}}}";

    assertThatThrownBy(() -> DockerConfigJson.credentialsFor(json, "ghcr.io"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not valid JSON")
        .hasMessageNotContaining("hunter2")
        .hasMessageNotContaining("oops");
  }

  @Test
  void otherMalformedContentIsRejectedClearly() {
    assertThatThrownBy(() -> DockerConfigJson.credentialsFor("", "ghcr.io"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("empty");
    assertThatThrownBy(() -> DockerConfigJson.credentialsFor("[1]", "ghcr.io"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("object");
    assertThatThrownBy(() -> DockerConfigJson.credentialsFor("{\"auths\":[]}", "ghcr.io"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("auths");
    assertThatThrownBy(
            () ->
                DockerConfigJson.credentialsFor(
                    "{\"auths\":{\"ghcr.io\":{\"auth\":\"%%%hunter2\"}}}", "ghcr.io"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("base64")
        .hasMessageNotContaining("hunter2");
    assertThatThrownBy(
            () ->
                DockerConfigJson.credentialsFor(
                    "{\"auths\":{\"ghcr.io\":{\"auth\":\"" + b64("nocolon") + "\"}}}", "ghcr.io"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("user:password")
        .hasMessageNotContaining("nocolon");
  }

  @Test
  void credentialsNeverPrintThePassword() {
    assertThat(new RegistryCredentials("robot", "hunter2").toString())
        .contains("robot")
        .doesNotContain("hunter2");
  }
}
