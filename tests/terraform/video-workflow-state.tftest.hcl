# terraform test for the bootstrap stack holding staging/prod state.
run "state_bucket" {
  command = plan
  assert {
    condition     = aws_s3_bucket_versioning.state.versioning_configuration[0].status == "Enabled"
    error_message = "State history is versioned."
  }
  assert {
    condition     = aws_s3_bucket.state.force_destroy == false
    error_message = "The state bucket is never force-destroyed."
  }
  assert {
    condition = (aws_s3_bucket_public_access_block.state.block_public_acls && aws_s3_bucket_public_access_block.state.block_public_policy &&
    aws_s3_bucket_public_access_block.state.ignore_public_acls && aws_s3_bucket_public_access_block.state.restrict_public_buckets)
    error_message = "The state bucket blocks all public access."
  }
  assert {
    condition     = one([for r in aws_s3_bucket_server_side_encryption_configuration.state.rule : r.apply_server_side_encryption_by_default[0].sse_algorithm]) == "aws:kms"
    error_message = "State is encrypted with KMS."
  }
  assert {
    condition     = length([for r in aws_s3_bucket_lifecycle_configuration.state.rule : r if r.id == "expire-old-state-versions"]) == 1
    error_message = "Old state versions expire."
  }
}
