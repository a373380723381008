"""URL routes."""

from django.contrib import admin
from django.urls import include, path, re_path

from claims.api import misp, taxii
from claims.api.errors import page_not_found
from claims.feeds import PublishedClaimsFeed, ReviewDueFeed
from claims.views import accounts

urlpatterns = [
    path("admin/", admin.site.urls),
    # Before Django's own: the login page links to password reset only where reset is possible.
    path("accounts/login/", accounts.LoginView.as_view(), name="login"),
    *[
        path(f"accounts/{route}", accounts.mail_required(view), name=name)
        for route, view, name in accounts.password_reset_urls
    ],
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("claims.api.urls")),
    path("taxii2/", include((taxii.urlpatterns, "taxii"))),
    path("feeds/misp/", include((misp.urlpatterns, "misp"))),
    path("feeds/claims.atom", PublishedClaimsFeed(), name="claims-atom"),
    path("feeds/review-due.atom", ReviewDueFeed(), name="review-due-atom"),
    # Unknown API paths answer JSON even with DEBUG on, where handler404 is bypassed.
    re_path(r"^api/", page_not_found),
    path("", include("claims.urls")),
]

# Under /api/ even Django's own 400, 404 and 500 pages are JSON.
handler400 = "claims.api.errors.bad_request"
handler404 = "claims.api.errors.page_not_found"
handler500 = "claims.api.errors.server_error"
