# terraform test for what differs in the dev stack (workflow-common.tftest.hcl holds the rest).
override_data {
  target = data.aws_caller_identity.current
  values = {
    account_id = "123456789012"
    arn        = "arn:aws:iam::123456789012:user/offline-check"
    user_id    = "AIDAOFFLINECHECK"
  }
}

run "dev_environment" {
  command = plan

  assert {
    condition     = aws_s3_bucket.source.bucket == "video-workflow-dev-source-123456789012-us-east-1"
    error_message = "Bucket names carry the environment, account and region."
  }
  assert {
    condition     = aws_dynamodb_table.jobs.deletion_protection_enabled == false
    error_message = "Deletion protection of the jobs table must be false in dev."
  }
  assert {
    condition     = alltrue([for b in [aws_s3_bucket.source, aws_s3_bucket.output, aws_s3_bucket.archive] : b.force_destroy == true])
    error_message = "force_destroy is on in dev only: a staging or prod destroy must never delete videos."
  }
  assert {
    condition     = aws_sfn_state_machine.workflow.logging_configuration[0].level == "ALL"
    error_message = "State machine log level in dev is ALL."
  }
  assert {
    condition     = aws_sfn_state_machine.workflow.logging_configuration[0].include_execution_data
    error_message = "dev logs execution data (inputs and outputs); staging and prod do not."
  }
}
