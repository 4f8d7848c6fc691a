# Sourced by ./jllm and ./run-tests: finds a JDK >= 25 and exports JAVA_HOME, or explains and exits.
# Looks at JAVA_HOME, then `java` on PATH, then /usr/lib/jvm/*25* and the other JDKs there.

jllm_jdk_version() { # prints the feature version of the JDK at $1, or nothing
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  if [ -f "$1/release" ]; then
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release"
  else
    "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1
  fi
}

jllm_find_jdk() {
  candidates=""
  [ -n "${JAVA_HOME:-}" ] && candidates="$JAVA_HOME"
  if command -v java >/dev/null 2>&1; then
    java_bin=$(command -v java)
    java_bin=$(readlink -f "$java_bin" 2>/dev/null || echo "$java_bin")
    candidates="$candidates $(dirname "$(dirname "$java_bin")")"
  fi
  for d in /usr/lib/jvm/*25* /usr/lib/jvm/* /opt/java/* /opt/jdk*; do
    [ -d "$d" ] && candidates="$candidates $d"
  done
  for c in $candidates; do
    v=$(jllm_jdk_version "$c")
    if [ -n "$v" ] && [ "$v" -ge 25 ]; then
      JAVA_HOME=$c
      export JAVA_HOME
      return 0
    fi
  done
  echo "jllm: no JDK 25 or newer found (looked at JAVA_HOME, java on PATH, /usr/lib/jvm)." >&2
  echo "jllm: install one (for example Temurin 25) and set JAVA_HOME to it." >&2
  exit 1
}
