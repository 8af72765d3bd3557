#!/usr/bin/env bash
# Offline Terraform verification of every synthesized stack:
#   terraform init -backend=false, terraform validate, terraform test (command = plan).
# Works without AWS credentials and without registry access when /opt/tf-plugins holds an
# offline provider mirror (hashicorp/aws 5.100.0); elsewhere it uses the normal registry.
# The synthesized configuration is never edited: the script drops an *_override.tf.json with
# dummy credentials and skip_* flags, and the tests from tests/terraform/, into each stack folder.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

if [[ "${SKIP_SYNTH:-}" != "1" ]]; then
  # staging/prod are synthesized only with a state bucket name (stacks/state-backend.ts has no
  # default). This check runs `terraform init -backend=false`, so the name is never contacted:
  # any valid name will do when none is configured.
  TF_STATE_BUCKET="${TF_STATE_BUCKET:-offline-check-tfstate}" npm run --silent synth:fast
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# Our own CLI config: TF_CLI_CONFIG_FILE may point at a file that does not exist.
export TF_CLI_CONFIG_FILE="$WORK/terraformrc"
MIRROR="${TF_PLUGIN_MIRROR:-/opt/tf-plugins}"
if [[ -d "$MIRROR" ]]; then
  cat > "$TF_CLI_CONFIG_FILE" <<HCL
provider_installation {
  filesystem_mirror {
    path    = "$MIRROR"
    include = ["registry.terraform.io/hashicorp/*"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/*"]
  }
}
HCL
  echo "terraform-check: providers from the offline mirror $MIRROR"
else
  : > "$TF_CLI_CONFIG_FILE"
  echo "terraform-check: providers from the Terraform registry"
fi
export TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
export TF_PLUGIN_CACHE_DIR="$WORK/plugin-cache"
mkdir -p "$TF_PLUGIN_CACHE_DIR"

failed=0
checked=0
for stack_dir in "$ROOT"/cdktf.out/stacks/*/; do
  stack="$(basename "$stack_dir")"
  tests="$ROOT/tests/terraform/$stack.tftest.hcl"
  if [[ ! -f "$tests" ]]; then
    echo "terraform-check: no tests/terraform/$stack.tftest.hcl for stack $stack" >&2
    failed=1
    continue
  fi
  # A copy, so the reviewed cdktf.out stays exactly what synth wrote.
  dir="$WORK/stacks/$stack"
  mkdir -p "$dir/tests"
  cp -R "$stack_dir". "$dir/"
  cp "$ROOT/tests/terraform/offline_override.tf.json" "$dir/zz_offline_override.tf.json"
  cp "$tests" "$dir/tests/"
  # The environment stacks also share workflow-common.tftest.hcl (everything that does not differ).
  if [[ "$stack" != "video-workflow-state" ]]; then
    cp "$ROOT/tests/terraform/workflow-common.tftest.hcl" "$dir/tests/"
  fi
  echo "=== $stack"
  if (cd "$dir" && terraform init -backend=false -input=false -no-color >"$WORK/$stack.init.log" 2>&1); then
    echo "init: ok"
  else
    cat "$WORK/$stack.init.log"; failed=1; continue
  fi
  (cd "$dir" && terraform validate -no-color) || { failed=1; continue; }
  (cd "$dir" && terraform test -no-color) || { failed=1; continue; }
  checked=$((checked + 1))
done

# Every stack with tests must have been synthesized: a stack left out (staging/prod without a
# state bucket name) fails here instead of going unchecked.
for tests in "$ROOT"/tests/terraform/video-workflow-*.tftest.hcl; do
  stack="$(basename "$tests" .tftest.hcl)"
  if [[ ! -f "$ROOT/cdktf.out/stacks/$stack/cdk.tf.json" ]]; then
    echo "terraform-check: stack $stack was not synthesized (staging/prod need TF_STATE_BUCKET or cdktf.json context stateBucket)" >&2
    failed=1
  fi
done

if [[ $failed -ne 0 ]]; then
  echo "terraform-check: FAILED" >&2
  exit 1
fi
echo "terraform-check: $checked stacks initialised, validated and plan-tested offline"
