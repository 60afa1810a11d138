//! Checking a run's node list against what the app or workflow really has, on request: an
//! input RunningHub does not know is refused by the server only after the call (803), or
//! silently ignored; these checks refuse it before anything is paid for.

use crate::client::Client;
use crate::error::Error;
use crate::types;
use crate::validation::{Path, Problem, ValidationError, Violations};

/// Checks `nodes` against an AI app's own inputs (as [`Client::ai_app_info`] lists them):
/// every `(nodeId, fieldName)` must be one of them, and a value for an `INT`, `FLOAT` or
/// `BOOLEAN` input must read as one. Every problem is reported, each at its
/// `nodeInfoList[i]` field.
pub fn check_nodes_against_app(
    app: &types::AiAppInfo,
    nodes: &[types::NodeInfo],
) -> Result<(), ValidationError> {
    let inputs = app.node_info_list.as_deref().unwrap_or_default();
    let known = || {
        let mut names: Vec<String> = inputs
            .iter()
            .map(|i| format!("{}:{}", i.node_id, i.field_name))
            .collect();
        names.sort();
        if names.is_empty() {
            "the app lists no inputs (it may never have run on the web)".to_owned()
        } else {
            format!("its inputs are {}", names.join(", "))
        }
    };
    let mut out = Violations::default();
    let root = Path::root();
    let list = root.field("nodeInfoList");
    for (n, node) in nodes.iter().enumerate() {
        let at = list.index(n);
        let Some(input) = inputs
            .iter()
            .find(|i| i.node_id == node.node_id && i.field_name == node.field_name)
        else {
            out.push(
                &at,
                Problem::Invalid {
                    message: format!(
                        "the app has no input {}:{}; {}",
                        node.node_id,
                        node.field_name,
                        known()
                    ),
                },
            );
            continue;
        };
        let value = node.field_value.trim();
        let kind = input
            .field_type
            .as_deref()
            .unwrap_or("")
            .to_ascii_uppercase();
        let reads = match kind.as_str() {
            "INT" => value.parse::<i64>().is_ok(),
            "FLOAT" => value.parse::<f64>().is_ok_and(f64::is_finite),
            "BOOLEAN" => matches!(value, "true" | "false"),
            _ => true,
        };
        if !reads {
            out.push(
                &at.field("fieldValue"),
                Problem::Invalid {
                    message: format!(
                        "input {}:{} takes {} values; `{}` is not one",
                        node.node_id,
                        node.field_name,
                        kind.to_ascii_lowercase(),
                        node.field_value
                    ),
                },
            );
        }
    }
    out.into_result()
}

/// Checks `nodes` against a workflow's graph in ComfyUI's API format (the `prompt` of
/// [`Client::workflow_json`]): every `nodeId` must be a node of the graph and every
/// `fieldName` one of that node's inputs. Every problem is reported, each at its
/// `nodeInfoList[i]`; a graph that is not such a JSON object is one problem.
pub fn check_nodes_against_graph(
    graph: &str,
    nodes: &[types::NodeInfo],
) -> Result<(), ValidationError> {
    let mut out = Violations::default();
    let root = Path::root();
    let graph: serde_json::Map<String, serde_json::Value> = match serde_json::from_str(graph) {
        Ok(graph) => graph,
        Err(e) => {
            out.push(
                &root,
                Problem::Invalid {
                    message: format!("the workflow's graph is not a JSON object of nodes: {e}"),
                },
            );
            return out.into_result();
        }
    };
    let list = root.field("nodeInfoList");
    for (n, node) in nodes.iter().enumerate() {
        let at = list.index(n);
        let Some(graph_node) = graph.get(&node.node_id) else {
            let mut ids: Vec<&String> = graph.keys().collect();
            ids.sort_by_key(|id| (id.len(), id.as_str()));
            let ids: Vec<&str> = ids.into_iter().map(String::as_str).collect();
            out.push(
                &at.field("nodeId"),
                Problem::Invalid {
                    message: format!(
                        "the workflow has no node {}; its nodes are {}",
                        node.node_id,
                        ids.join(", ")
                    ),
                },
            );
            continue;
        };
        let inputs = graph_node.get("inputs").and_then(|i| i.as_object());
        if !inputs.is_some_and(|i| i.contains_key(&node.field_name)) {
            let class = graph_node
                .get("class_type")
                .and_then(|c| c.as_str())
                .unwrap_or("?");
            let mut names: Vec<&str> = inputs
                .into_iter()
                .flat_map(|i| i.keys().map(String::as_str))
                .collect();
            names.sort();
            out.push(
                &at.field("fieldName"),
                Problem::Invalid {
                    message: format!(
                        "node {} ({class}) has no input `{}`; its inputs are {}",
                        node.node_id,
                        node.field_name,
                        names.join(", ")
                    ),
                },
            );
        }
    }
    out.into_result()
}

impl Client {
    /// Asks RunningHub for the AI app's inputs ([`Client::ai_app_info`]) and checks `nodes`
    /// against them ([`check_nodes_against_app`]): an unknown input or a value of the wrong
    /// kind is [`Error::Validation`], before anything is run. Costs one platform call.
    pub async fn check_app_nodes(
        &self,
        webapp_id: &str,
        nodes: &[types::NodeInfo],
    ) -> Result<(), Error> {
        let app = self
            .ai_app_info(&types::AiAppInfoQuery {
                webapp_id: webapp_id.to_owned(),
            })
            .await?;
        Ok(check_nodes_against_app(&app, nodes)?)
    }

    /// Asks RunningHub for the workflow's graph ([`Client::workflow_json`]) and checks
    /// `nodes` against it ([`check_nodes_against_graph`]): an unknown node or input is
    /// [`Error::Validation`], before anything is run. Costs one platform call.
    pub async fn check_workflow_nodes(
        &self,
        workflow_id: &str,
        nodes: &[types::NodeInfo],
    ) -> Result<(), Error> {
        let graph = self
            .workflow_json(&types::WorkflowJsonBody {
                workflow_id: workflow_id.to_owned(),
            })
            .await?;
        Ok(check_nodes_against_graph(&graph.prompt, nodes)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn node(id: &str, field: &str, value: &str) -> types::NodeInfo {
        types::NodeInfo {
            node_id: id.into(),
            field_name: field.into(),
            field_value: value.into(),
            description: None,
        }
    }

    fn app() -> types::AiAppInfo {
        serde_json::from_value(json!({"webappName": "demo", "nodeInfoList": [
            {"nodeId": "52", "fieldName": "prompt", "fieldType": "STRING"},
            {"nodeId": "60", "fieldName": "steps", "fieldType": "INT"},
            {"nodeId": "61", "fieldName": "cfg", "fieldType": "FLOAT"},
        ]}))
        .unwrap()
    }

    #[test]
    fn an_app_accepts_its_own_inputs() {
        let nodes = [
            node("52", "prompt", "a boat"),
            node("60", "steps", "20"),
            node("61", "cfg", "7.5"),
        ];
        assert!(check_nodes_against_app(&app(), &nodes).is_ok());
    }

    #[test]
    fn an_app_refuses_unknown_inputs_and_values_of_the_wrong_kind() {
        let nodes = [
            node("52", "prompt", "fine"),
            node("52", "text", "wrong field"),
            node("60", "steps", "twenty"),
            node("61", "cfg", "NaN"),
        ];
        let e = check_nodes_against_app(&app(), &nodes).unwrap_err();
        let fields: Vec<&str> = e.violations().iter().map(|v| v.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "nodeInfoList[1]",
                "nodeInfoList[2].fieldValue",
                "nodeInfoList[3].fieldValue"
            ]
        );
        let text = e.to_string();
        assert!(text.contains("no input 52:text"), "{text}");
        assert!(text.contains("52:prompt, 60:steps, 61:cfg"), "{text}");
        assert!(text.contains("takes int values; `twenty`"), "{text}");
    }

    #[test]
    fn a_graph_refuses_unknown_nodes_and_inputs() {
        let graph = r#"{"3": {"class_type": "KSampler", "inputs": {"seed": 1, "steps": 20}},
                        "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a", "clip": ["4", 1]}}}"#;
        assert!(
            check_nodes_against_graph(graph, &[node("6", "text", "b"), node("3", "seed", "2")])
                .is_ok()
        );
        let e = check_nodes_against_graph(graph, &[node("9", "text", "b"), node("3", "cfg", "8")])
            .unwrap_err();
        let fields: Vec<&str> = e.violations().iter().map(|v| v.field.as_str()).collect();
        assert_eq!(
            fields,
            ["nodeInfoList[0].nodeId", "nodeInfoList[1].fieldName"]
        );
        let text = e.to_string();
        assert!(text.contains("no node 9; its nodes are 3, 6"), "{text}");
        assert!(
            text.contains("node 3 (KSampler) has no input `cfg`; its inputs are seed, steps"),
            "{text}"
        );
        assert!(check_nodes_against_graph("[]", &[]).is_err());
    }
}
