//! Amazon CloudWatch alarms and dashboards.

use super::Tag;
use crate::Expr;

props!(
    /// A metric dimension.
    Dimension { name: Expr, value: Expr }
);

resource!(
    /// `AWS::CloudWatch::Alarm` on a single metric.
    Alarm = "AWS::CloudWatch::Alarm", tags: List,
    {
        alarm_description: Option<Expr>, namespace: Option<Expr>, metric_name: Option<Expr>,
        dimensions: Vec<Dimension>, statistic: Option<Expr>, extended_statistic: Option<Expr>, period: Option<Expr>,
        evaluation_periods: Expr, datapoints_to_alarm: Option<Expr>, threshold: Option<Expr>,
        comparison_operator: Expr, treat_missing_data: Option<Expr>, alarm_actions: Vec<Expr>,
        /// Metric math or a Metrics Insights query, instead of a single metric.
        metrics: Vec<Expr>,
        #[serde(rename = "OKActions")]
        ok_actions: Vec<Expr>,
        tags: Vec<Tag>,
    }
    attrs { arn => "Arn" }
);

resource!(
    /// `AWS::CloudWatch::Dashboard`; the body is a JSON string.
    Dashboard = "AWS::CloudWatch::Dashboard", tags: List,
    { dashboard_name: Option<Expr>, dashboard_body: Expr, tags: Vec<Tag> }
    attrs {}
);
