package org.inginious.grading.image.dockerfile;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The end of a build log as status may show it: bounded, and with anything that looks like a
 * credential replaced by {@value #REDACTED}. Kaniko does not print credentials, but RUN steps print
 * what they like (a `curl -u`, a token in a URL, a build argument carrying a password).
 */
public final class LogTails {
  public static final int MAX_BYTES = 2048;
  public static final String REDACTED = "[REDACTED]";

  private static final List<Pattern> VALUE_AFTER_KEY =
      List.of(
          // Authorization: Basic dXNlcjpwYXNz / Bearer eyJ...
          Pattern.compile(
              "(?i)(authorization\\s*[:=]\\s*\"?(?:basic|bearer|token)?\\s*)([^\\s\"',]+)"),
          // "auth": "...", "password": "...", "identitytoken": "..." (docker config.json and
          // friends)
          Pattern.compile(
              "(?i)(\"(?:auth|password|passwd|secret|token|identitytoken|registrytoken|access_token|refresh_token"
                  + "|client_secret|api_key|apikey)\"\\s*:\\s*\")([^\"]*)"),
          // password=..., DB_PASSWORD: ..., api-key=...
          Pattern.compile(
              "(?i)((?:^|[^a-z0-9])[a-z0-9_.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key"
                  + "|private[_-]?key|credentials?)\\s*[:=]\\s*[\"']?)([^\\s\"',;&]+)"),
          // --password value, -p value of docker/podman/skopeo login
          Pattern.compile(
              "(?i)((?:--(?:password|token|secret|api-key)|\\s-p)\\s+[\"']?)([^\\s\"',;&]+)"),
          // curl -u user:password, --user user:password
          Pattern.compile(
              "((?:^|\\s)(?:-u|--user|--proxy-user)\\s*[\"']?[^\\s:\"']+:)([^\\s\"']+)"),
          // scheme://user:password@host
          Pattern.compile("([a-zA-Z][a-zA-Z0-9+.-]*://[^/\\s:@]+:)([^@\\s/]+)(@)"));
  private static final List<Pattern> WHOLE =
      List.of(
          Pattern.compile("eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]*"), // JWT
          Pattern.compile(
              "\\b(?:ghp|gho|ghu|ghs|ghr|github_pat|glpat)_[A-Za-z0-9_]{16,}\\b"), // GitHub /
          // GitLab tokens
          Pattern.compile("\\b(?:AKIA|ASIA)[0-9A-Z]{16}\\b"), // AWS access key ids
          Pattern.compile(
              "-----BEGIN [A-Z ]*PRIVATE KEY-----[\\s\\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)"));

  private LogTails() {}

  /**
   * @param text a termination message or log
   * @param secretValues literal values never to show (build arguments whose names look secret)
   */
  public static String of(String text, Collection<String> secretValues) {
    if (text == null || text.isBlank()) {
      return null;
    }
    String redacted = text;
    for (String value : secretValues) {
      if (value != null && value.length() >= 4) {
        redacted = redacted.replace(value, REDACTED);
      }
    }
    for (Pattern pattern : VALUE_AFTER_KEY) {
      redacted =
          pattern
              .matcher(redacted)
              .replaceAll(
                  m ->
                      Matcher.quoteReplacement(
                          m.group(1)
                              + REDACTED
                              + (m.groupCount() >= 3 && m.group(3) != null ? m.group(3) : "")));
    }
    for (Pattern pattern : WHOLE) {
      redacted = pattern.matcher(redacted).replaceAll(REDACTED);
    }
    return tail(redacted.strip(), MAX_BYTES);
  }

  /** Whether a build argument's name says its value is a secret. */
  public static boolean looksSecret(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return n.contains("password")
        || n.contains("passwd")
        || n.contains("secret")
        || n.contains("token")
        || n.contains("key")
        || n.contains("credential")
        || n.contains("auth");
  }

  /**
   * The last bytes of a text, at most {@code max} in UTF-8, cut at a line start when one is near.
   */
  static String tail(String text, int max) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    if (bytes.length <= max) {
      return text;
    }
    int start = bytes.length - (max - 3); // room for the ellipsis
    while (start < bytes.length && (bytes[start] & 0xC0) == 0x80) {
      start++; // not in the middle of a character
    }
    String cut = new String(bytes, start, bytes.length - start, StandardCharsets.UTF_8);
    int newline = cut.indexOf('\n');
    if (newline >= 0 && newline < 200) {
      cut = cut.substring(newline + 1);
    }
    return "…" + cut;
  }
}
