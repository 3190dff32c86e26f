"""The pages riskpool serves to a browser: GraphiQL and the dashboard.

Government networks are often cut off from the internet, so every file a page
loads (React, GraphiQL, ECharts, the dashboard's own script) is served from
here, vendored with its licence (static/vendor/README.md says which version and
how it was fetched). The pages read only through the public GraphQL API.
"""
