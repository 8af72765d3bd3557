# terraform test for what differs in the prod stack (workflow-common.tftest.hcl holds the rest).
override_data {
  target = data.aws_caller_identity.current
  values = {
    account_id = "123456789012"
    arn        = "arn:aws:iam::123456789012:user/offline-check"
    user_id    = "AIDAOFFLINECHECK"
  }
}

run "prod_environment" {
  command = plan

  assert {
    condition     = aws_s3_bucket.source.bucket == "video-workflow-prod-source-123456789012-us-east-1"
    error_message = "Bucket names carry the environment, account and region."
  }
  assert {
    condition     = aws_dynamodb_table.jobs.deletion_protection_enabled == true
    error_message = "Deletion protection of the jobs table must be true in prod."
  }
  assert {
    condition     = alltrue([for b in [aws_s3_bucket.source, aws_s3_bucket.output, aws_s3_bucket.archive] : b.force_destroy == false])
    error_message = "force_destroy is on in dev only: a staging or prod destroy must never delete videos."
  }
  assert {
    condition     = aws_sfn_state_machine.workflow.logging_configuration[0].level == "ERROR"
    error_message = "State machine log level in prod is ERROR."
  }
  assert {
    condition     = aws_kms_key.data.enable_key_rotation
    error_message = "The prod data key rotates."
  }
  assert {
    condition     = aws_sfn_state_machine.workflow.logging_configuration[0].level == "ERROR" && !aws_sfn_state_machine.workflow.logging_configuration[0].include_execution_data
    error_message = "prod logs errors only, without execution data."
  }
}

override_resource {
  target          = aws_cloudfront_distribution.delivery
  override_during = plan
  values = {
    id          = "E2OFFLINECHECK"
    arn         = "arn:aws:cloudfront::123456789012:distribution/E2OFFLINECHECK"
    domain_name = "d111111abcdef8.cloudfront.net"
  }
}

run "prod_delivery_decrypts_through_the_distribution_only" {
  command = plan

  assert {
    condition = anytrue([for s in jsondecode(aws_kms_key.data.policy).Statement :
      s.Principal == { Service = "cloudfront.amazonaws.com" } && s.Action == "kms:Decrypt" &&
    lookup(s, "Condition", null) == { StringEquals = { "aws:SourceArn" = "arn:aws:cloudfront::123456789012:distribution/E2OFFLINECHECK" } }])
    error_message = "The prod data key lets CloudFront decrypt outputs through this distribution only."
  }
  assert {
    condition     = length([for s in jsondecode(aws_kms_key.data.policy).Statement : s if s.Sid == "AccountAdministersAndDelegatesToIam" || s.Sid == "ServicesDeliverEncryptedMessages"]) == 2
    error_message = "The account and service statements of the data key stay."
  }
  assert {
    condition     = aws_cloudfront_monitoring_subscription.delivery.monitoring_subscription[0].realtime_metrics_subscription_config[0].realtime_metrics_subscription_status == "Enabled"
    error_message = "prod turns on CloudFront's additional metrics (cache hit rate)."
  }
}

# The output bucket policy (in the environment files: in prod it also names the data key, whose
# ARN the prod file overrides).
override_resource {
  target          = aws_s3_bucket.output
  override_during = plan
  values = {
    arn                         = "arn:aws:s3:::video-workflow-offline-output"
    bucket_regional_domain_name = "video-workflow-offline-output.s3.us-east-1.amazonaws.com"
  }
}
override_resource {
  target          = aws_kms_key.data
  override_during = plan
  values          = { arn = "arn:aws:kms:us-east-1:123456789012:key/00000000-1111-4222-8333-444444444444" }
}

run "delivery_bucket_policy" {
  command = plan

  assert {
    condition = anytrue([for s in jsondecode(aws_s3_bucket_policy.output.policy).Statement :
      s.Effect == "Allow" && s.Principal == { Service = "cloudfront.amazonaws.com" } && s.Action == "s3:GetObject" &&
    s.Condition == { StringEquals = { "aws:SourceArn" = "arn:aws:cloudfront::123456789012:distribution/E2OFFLINECHECK" } }])
    error_message = "The output bucket lets CloudFront read objects only through this distribution (AWS:SourceArn)."
  }
  assert {
    condition     = anytrue([for s in jsondecode(aws_s3_bucket_policy.output.policy).Statement : s.Sid == "DenyInsecureTransport" && s.Effect == "Deny"])
    error_message = "The output bucket keeps its TLS-only deny."
  }
}
