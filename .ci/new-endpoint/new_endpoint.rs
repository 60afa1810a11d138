//! Uses two endpoints that CI added to a copy of the spec, with no Rust written for them:
//! their checked methods exist, are typed, and refuse invalid requests before sending.

use runninghub::{Client, Error, types};

#[tokio::main]
async fn main() {
    // Nothing listens on port 9: any request that got past validation would fail to connect.
    let client = Client::builder().api_key("ci-key").base_url("http://127.0.0.1:9").build().unwrap();

    let too_many = types::AcmeTextToImageRequest {
        prompt: "a red kite".into(),
        image_urls: (0..5).map(|i| format!("https://example.com/{i}.png")).collect(),
        webhook_url: None,
    };
    match client.acme_text_to_image(&too_many).await {
        Err(Error::Validation(v)) => assert_eq!(v.violations()[0].field, "imageUrls", "{v}"),
        other => panic!("expected a validation error, got {other:?}"),
    }

    let out_of_range = types::AcmeUpscaleBody {
        image_url: "https://example.com/a.png".into(),
        scale: 8,
        strength: Some(1.5),
        webhook_url: None,
    };
    match client.acme_upscale(&out_of_range).await {
        Err(Error::Validation(v)) => {
            let fields: Vec<_> = v.violations().iter().map(|v| v.field.as_str()).collect();
            assert_eq!(fields, ["scale", "strength"], "{v}");
        }
        other => panic!("expected a validation error, got {other:?}"),
    }

    // A valid request passes validation and is sent (and fails to connect, as expected).
    let valid = types::AcmeUpscaleBody { scale: 2, strength: None, ..out_of_range };
    match client.acme_upscale(&valid).await {
        Err(Error::Transport(_)) => {}
        other => panic!("expected the valid request to be sent, got {other:?}"),
    }
    println!("new endpoints: typed, validated, generated from the spec alone");
}
