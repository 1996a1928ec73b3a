//! The entry macros of the aerie plugin SDK, one per hook a component can have. Use them
//! through `aerie-sdk` (`#[aerie_sdk::http_component]`, `#[aerie_sdk::job]`,
//! `#[aerie_sdk::policy]`), which re-exports them behind the feature of their world and
//! holds the paths the generated code names.
//!
//! Each attribute goes on a plain function and leaves it as written; next to it, it
//! writes what every component would otherwise write by hand: a unit type, the `Guest`
//! implementation of the world's export calling the function, and the `export!` of the
//! bindings. All of it sits in an anonymous `const` block, so nothing new is in scope.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::ItemFn;
use syn::spanned::Spanned as _;

/// An HTTP component: `fn handle(request: aerie_sdk::http::Request) -> aerie_sdk::http::Response`
/// becomes the component's `wasi:http/incoming-handler` export (the request read whole,
/// the response written with its length; see `aerie_sdk::http::serve`).
#[proc_macro_attribute]
pub fn http_component(attr: proc_macro::TokenStream, item: proc_macro::TokenStream) -> proc_macro::TokenStream {
    expand(Hook::Http, attr.into(), item.into()).into()
}

/// A job component: `fn handle(job: aerie_sdk::job::Job) -> Result<(), String>` becomes
/// the `aerie:app/job-handler` export of the `job` world. An `Err` (or a trap) has the
/// host retry the job with backoff.
#[proc_macro_attribute]
pub fn job(attr: proc_macro::TokenStream, item: proc_macro::TokenStream) -> proc_macro::TokenStream {
    expand(Hook::Job, attr.into(), item.into()).into()
}

/// A moderation policy: `fn filter(activity: String, direction: aerie_sdk::policy::Direction,
/// peer: String, config: Vec<(String, String)>) -> aerie_sdk::policy::Verdict` becomes the
/// `aerie:app/policy` export of the `policy-plugin` world.
#[proc_macro_attribute]
pub fn policy(attr: proc_macro::TokenStream, item: proc_macro::TokenStream) -> proc_macro::TokenStream {
    expand(Hook::Policy, attr.into(), item.into()).into()
}

/// The hooks, each with its world's export.
#[derive(Debug, Clone, Copy)]
enum Hook {
    Http,
    Job,
    Policy,
}

impl Hook {
    /// How many parameters the function takes.
    fn arity(self) -> usize {
        match self {
            Hook::Http | Hook::Job => 1,
            Hook::Policy => 4,
        }
    }

    /// The function the attribute expects, for error messages.
    fn shape(self) -> &'static str {
        match self {
            Hook::Http => "fn handle(request: aerie_sdk::http::Request) -> aerie_sdk::http::Response",
            Hook::Job => "fn handle(job: aerie_sdk::job::Job) -> Result<(), String>",
            Hook::Policy => {
                "fn filter(activity: String, direction: aerie_sdk::policy::Direction, peer: String, config: Vec<(String, String)>) \
                 -> aerie_sdk::policy::Verdict"
            }
        }
    }
}

/// The function as written and its export, or a compile error naming the expected shape.
fn expand(hook: Hook, attr: TokenStream, item: TokenStream) -> TokenStream {
    let function = match syn::parse2::<ItemFn>(item) {
        Ok(function) => function,
        Err(error) => return error.to_compile_error(),
    };
    if let Err(error) = check(hook, &attr, &function) {
        return error.to_compile_error();
    }
    let name = &function.sig.ident;
    let export = match hook {
        Hook::Http => quote! {
            struct AerieHttpComponent;

            impl ::aerie_sdk::__private::wasip2::exports::http::incoming_handler::Guest for AerieHttpComponent {
                fn handle(
                    request: ::aerie_sdk::__private::wasip2::http::types::IncomingRequest,
                    out: ::aerie_sdk::__private::wasip2::http::types::ResponseOutparam,
                ) {
                    ::aerie_sdk::http::serve(request, out, #name);
                }
            }

            ::aerie_sdk::__private::wasip2::http::proxy::export!(AerieHttpComponent);
        },
        Hook::Job => quote! {
            struct AerieJob;

            impl ::aerie_sdk::job_bindings::exports::aerie::app::job_handler::Guest for AerieJob {
                fn handle(job: ::aerie_sdk::job::Job) -> ::core::result::Result<(), ::std::string::String> {
                    #name(job)
                }
            }

            ::aerie_sdk::job_bindings::export_job!(AerieJob with_types_in ::aerie_sdk::job_bindings);
        },
        Hook::Policy => quote! {
            struct AeriePolicy;

            impl ::aerie_sdk::policy_bindings::exports::aerie::app::policy::Guest for AeriePolicy {
                fn filter(
                    activity: ::std::string::String,
                    direction: ::aerie_sdk::policy::Direction,
                    peer: ::std::string::String,
                    config: ::std::vec::Vec<(::std::string::String, ::std::string::String)>,
                ) -> ::aerie_sdk::policy::Verdict {
                    #name(activity, direction, peer, config)
                }
            }

            ::aerie_sdk::policy_bindings::export_policy!(AeriePolicy with_types_in ::aerie_sdk::policy_bindings);
        },
    };
    quote! {
        #function

        const _: () = {
            #export
        };
    }
}

/// The attribute takes no arguments, and the function is a plain, synchronous one with
/// the hook's number of parameters; the types are left to the compiler, which checks
/// them where the generated code calls the function.
fn check(hook: Hook, attr: &TokenStream, function: &ItemFn) -> syn::Result<()> {
    let shape = hook.shape();
    if !attr.is_empty() {
        return Err(syn::Error::new(attr.span(), "this attribute takes no arguments"));
    }
    let sig = &function.sig;
    if let Some(syn::FnArg::Receiver(receiver)) = sig.inputs.first() {
        return Err(syn::Error::new(receiver.span(), format!("expected a free function of the shape `{shape}`, not a method")));
    }
    if sig.asyncness.is_some() || !sig.generics.params.is_empty() || sig.inputs.len() != hook.arity() || sig.variadic.is_some() {
        let span = if sig.inputs.is_empty() { Span::call_site() } else { sig.inputs.span() };
        return Err(syn::Error::new(span, format!("expected a function of the shape `{shape}`")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expanded(hook: Hook, attr: TokenStream, item: TokenStream) -> String {
        expand(hook, attr, item).to_string()
    }

    #[test]
    fn the_function_stays_and_the_export_calls_it() {
        let out = expanded(Hook::Http, TokenStream::new(), quote! { fn route(request: Request) -> Response { todo() } });
        assert!(out.starts_with("fn route"), "{out}");
        assert!(out.contains("incoming_handler :: Guest for AerieHttpComponent"), "{out}");
        assert!(out.contains("serve (request , out , route)"), "{out}");
        let out = expanded(Hook::Job, TokenStream::new(), quote! { fn run(job: Job) -> Result<(), String> { Ok(()) } });
        assert!(out.contains("export_job ! (AerieJob with_types_in :: aerie_sdk :: job_bindings)") && out.contains("run (job)"), "{out}");
        let out = expanded(
            Hook::Policy,
            TokenStream::new(),
            quote! { fn filter(a: String, d: Direction, p: String, c: Config) -> Verdict { x } },
        );
        assert!(out.contains("filter (activity , direction , peer , config)"), "{out}");
    }

    #[test]
    fn other_shapes_are_compile_errors_naming_the_expected_one() {
        let refused = |hook, attr, item| {
            let out = expanded(hook, attr, item);
            assert!(out.contains("compile_error"), "{out}");
            out
        };
        let out = refused(Hook::Http, TokenStream::new(), quote! { async fn handle(request: Request) -> Response { x } });
        assert!(out.contains("aerie_sdk::http::Request"), "{out}");
        let out = refused(Hook::Job, TokenStream::new(), quote! { fn handle(job: Job, extra: u8) -> Result<(), String> { x } });
        assert!(out.contains("aerie_sdk::job::Job"), "{out}");
        refused(Hook::Policy, TokenStream::new(), quote! { fn filter(activity: String) -> Verdict { x } });
        refused(Hook::Http, TokenStream::new(), quote! { fn handle<T>(request: T) -> Response { x } });
        refused(Hook::Http, TokenStream::new(), quote! { fn handle(&self) -> Response { x } });
        let out = refused(Hook::Http, quote! { path = "/x" }, quote! { fn handle(request: Request) -> Response { x } });
        assert!(out.contains("takes no arguments"), "{out}");
        refused(Hook::Job, TokenStream::new(), quote! { struct NotAFunction; });
    }
}
