// Starts GraphiQL against this server's /graphql. The bearer token the dashboard's
// login stored (same origin) is put into the headers editor, so a developer who
// signed in there can query at once; otherwise paste {"Authorization": "Bearer …"}.
(function () {
  "use strict";
  var url = window.location.origin + "/graphql";
  var token = window.localStorage.getItem("riskpool.token");
  var headers = token
    ? JSON.stringify({ Authorization: "Bearer " + token }, null, 2)
    : JSON.stringify({ Authorization: "Bearer <riskpool token --role operator>" }, null, 2);
  // The fetcher's own headers also serve the schema's introspection, before any editing.
  var fetcher = GraphiQL.createFetcher({
    url: url,
    headers: token ? { Authorization: "Bearer " + token } : {},
  });
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultHeaders: headers,
      shouldPersistHeaders: false,
      defaultEditorToolsVisibility: "headers",
    })
  );
})();
